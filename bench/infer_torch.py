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
with torch.nn.functional, in eval semantics (no dropout) under torch.inference_mode(). No pooler: the exported
feature-extraction graph has none either.
"""
import argparse
import json
import math
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

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


class Bert:
    def __init__(self, weights, config):
        self.w = weights
        self.hidden = config['hidden_size']
        self.heads = config['num_attention_heads']
        self.layers = config['num_hidden_layers']
        self.eps = config.get('layer_norm_eps', 1e-12)

    def ln(self, x, prefix):
        return F.layer_norm(x, (self.hidden,), self.w[prefix + '.weight'], self.w[prefix + '.bias'], self.eps)

    def linear(self, x, prefix):
        return F.linear(x, self.w[prefix + '.weight'], self.w[prefix + '.bias'])

    def forward(self, input_ids, attention_mask, token_type_ids):
        w, H, nh = self.w, self.hidden, self.heads
        hd = H // nh
        B, T = input_ids.shape
        positions = torch.arange(T, dtype=torch.long).unsqueeze(0).expand(B, T)
        x = (F.embedding(input_ids, w['embeddings.word_embeddings.weight'])
             + F.embedding(token_type_ids, w['embeddings.token_type_embeddings.weight'])
             + F.embedding(positions, w['embeddings.position_embeddings.weight']))
        x = self.ln(x, 'embeddings.LayerNorm')
        bias = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
        scale = 1.0 / math.sqrt(hd)
        for i in range(self.layers):
            p = f'encoder.layer.{i}'
            q = self.linear(x, p + '.attention.self.query').view(B, T, nh, hd).transpose(1, 2)
            k = self.linear(x, p + '.attention.self.key').view(B, T, nh, hd).transpose(1, 2)
            v = self.linear(x, p + '.attention.self.value').view(B, T, nh, hd).transpose(1, 2)
            scores = torch.matmul(q, k.transpose(-1, -2)) * scale + bias
            probs = torch.softmax(scores, dim=-1)
            ctx = torch.matmul(probs, v).transpose(1, 2).reshape(B, T, H)
            attended = self.ln(self.linear(ctx, p + '.attention.output.dense') + x, p + '.attention.output.LayerNorm')
            inner = F.gelu(self.linear(attended, p + '.intermediate.dense'))
            x = self.ln(self.linear(inner, p + '.output.dense') + attended, p + '.output.LayerNorm')
        return x


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
    model = Bert(read_safetensors(f'{args.model}/model.safetensors'), config)
    with open(args.cases) as f:
        cases = {}
        for c in json.load(f)['cases']:
            ids = torch.tensor(c['input_ids'], dtype=torch.long).view(c['batch'], c['seq'])
            cases[c['name']] = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    load_ms = (time.perf_counter() - t0) * 1e3

    def reply(obj):
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()

    reply({'ready': True, 'loadMs': load_ms, 'version': f'torch {torch.__version__}', 'threads': torch.get_num_threads(),
           'numpy': np.__version__})
    with torch.inference_mode():
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            msg = json.loads(line)
            try:
                if msg['cmd'] == 'quit':
                    reply({'ok': True})
                    break
                feeds = cases[msg['case']]
                if msg['cmd'] == 'run':
                    times = []
                    for _ in range(msg['n']):
                        t = time.perf_counter()
                        model.forward(*feeds)
                        times.append((time.perf_counter() - t) * 1e3)
                    reply({'ok': True, 'times': times})
                elif msg['cmd'] == 'dump':
                    out = model.forward(*feeds).contiguous().numpy().astype('<f4')
                    with open(msg['file'], 'wb') as f:
                        f.write(out.tobytes())
                    reply({'ok': True, 'dims': list(out.shape)})
                else:
                    reply({'ok': False, 'error': f'unknown command {msg["cmd"]}'})
            except Exception as err:  # report to the parent instead of dying silently
                reply({'ok': False, 'error': f'{type(err).__name__}: {err}'})


if __name__ == '__main__':
    main()
