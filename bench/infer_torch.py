#!/usr/bin/python3
"""PyTorch anchor for bench/infer.ts: a BertModel forward over the same model.safetensors, timed like the ORT runners.

Run by bench/infer.ts with Debian's /usr/bin/python3 (python3-torch + libopenblas0-openmp); not a project dependency.

    /usr/bin/python3 bench/infer_torch.py --model DIR --cases FILE --threads N

Loads DIR/config.json and DIR/model.safetensors (parsed here with numpy: u64 LE header length, JSON header, raw
little-endian tensors; Debian has no python3-safetensors), and the cases written by bench/infer.ts (FILE: JSON with
name, batch, seq, input_ids per case; attention_mask all ones, token_type_ids all zeros). Then serves the same
line protocol as bench/lib/infer-worker.ts on stdin/stdout, one JSON object per line:

    -> {"cmd": "run", "case": "1x32", "n": 10}      <- {"ok": true, "times": [ms, ...]}
    -> {"cmd": "dump", "case": "1x32", "file": F}   <- {"ok": true}   (last_hidden_state as raw float32 LE)
    -> {"cmd": "quit"}

The forward is Hugging Face's BertModel (eager attention, post-LN, erf GELU, additive float32-min mask) written out
with torch.nn.functional (bench/lib/torch_bert.py), in eval semantics (no dropout) under torch.inference_mode(). No
pooler: the exported feature-extraction graph has none either.
"""
import argparse
import json
import os
import struct
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib'))
from torch_bert import BertEncoder, reply, serve  # noqa: E402

DTYPES = {'F32': np.float32, 'F16': np.float16, 'F64': np.float64, 'I64': np.int64, 'I32': np.int32}


def read_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    (header_len,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + header_len])
    base = 8 + header_len
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        dtype = DTYPES.get(info['dtype'])
        if dtype is None:
            raise SystemExit(f'{path}: tensor {name} has dtype {info["dtype"]}, not handled here')
        begin, end = info['data_offsets']
        arr = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder('<'), count=(end - begin) // np.dtype(dtype).itemsize,
                            offset=base + begin).reshape(info['shape'])
        # Hugging Face checkpoints name the encoder with or without the architecture prefix.
        key = name[len('bert.'):] if name.startswith('bert.') else name
        out[key] = torch.from_numpy(arr.astype(np.float32, copy=True))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', required=True)
    ap.add_argument('--cases', required=True)
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    t0 = time.perf_counter()
    with open(f'{args.model}/config.json') as f:
        config = json.load(f)
    model = BertEncoder(read_safetensors(f'{args.model}/model.safetensors'), config['hidden_size'], config['num_attention_heads'],
                        config['num_hidden_layers'], config.get('layer_norm_eps', 1e-12))
    with open(args.cases) as f:
        cases = {}
        for c in json.load(f)['cases']:
            ids = torch.tensor(c['input_ids'], dtype=torch.long).view(c['batch'], c['seq'])
            cases[c['name']] = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    load_ms = (time.perf_counter() - t0) * 1e3

    reply({'ready': True, 'loadMs': load_ms, 'version': f'torch {torch.__version__}', 'threads': torch.get_num_threads(),
           'numpy': np.__version__})
    def run(msg):
        feeds = cases[msg['case']]
        times = []
        for _ in range(msg['n']):
            t = time.perf_counter()
            model.encode(*feeds)
            times.append((time.perf_counter() - t) * 1e3)
        return {'ok': True, 'times': times}

    def dump(msg):
        out = model.encode(*cases[msg['case']]).contiguous().numpy().astype('<f4')
        with open(msg['file'], 'wb') as f:
            f.write(out.tobytes())
        return {'ok': True, 'dims': list(out.shape)}

    with torch.inference_mode():
        serve({'run': run, 'dump': dump})


if __name__ == '__main__':
    main()
