#!/usr/bin/python3
"""PyTorch anchor for bench/train.ts: one training step of the same BERT shapes, timed like the edgeclass runners.

Run by bench/train.ts with Debian's /usr/bin/python3 (python3-torch); not a project dependency.

    /usr/bin/python3 bench/train_torch.py --case FILE --threads N [--weights SAFETENSORS] [--device cpu|cuda]

FILE (written by bench/train.ts): JSON with name, layers, hidden, heads, intermediate, vocab, batch, seq, input_ids
(row-major [batch, seq]), labels, freeze {embeddings, layers}, lr, weight_decay. attention_mask is all ones,
token_type_ids all zeros. Serves bench/lib/infer-common.ts's line protocol on stdin/stdout, one JSON object a line:

    -> {"cmd": "run", "case": "A", "n": 1}      <- {"ok": true, "times": [ms, ...]}
    -> {"cmd": "dump", "case": "A", "file": F}  <- {"ok": true}   (F: JSON with losses and peak RSS)
    -> {"cmd": "first_loss"}                    <- {"ok": true, "loss": L}   (before any step: the loss at the
                                                   initial weights with dropout off, no update)
    -> {"cmd": "quit"}

--weights: the initial weights from that file (edgeclass's, written by bench/lib/train-worker.ts --first-loss; names
as BertModel's plus project_head.classifier) instead of drawing them, so that first_loss checks both sides compute
the same thing.

--device cuda (bench/gpu-check.sh): the weights, inputs and optimizer state live on the GPU; each timed step ends with
torch.cuda.synchronize(), and the dump's peak memory is torch.cuda.max_memory_allocated (maxGpuMiB) beside the RSS.

The model is Hugging Face's BertModel written out with torch.nn.functional, bench/lib/torch_bert.py's encoder as in
bench/infer_torch.py (eager attention, post-LN, erf GELU, additive float32-min mask), in train mode: dropout 0.1 after
the embeddings, on the attention probabilities, after the attention output projection and after the FFN output; then
edgeclass's 'project' head with cls pooling (h[:, 0] -> dropout 0.1 -> Linear(H, 2)) and cross-entropy. Weights:
N(0, 0.02) for matrices and embeddings (torch.manual_seed(0)), zero biases, LayerNorm 1/0, as transformers'
_init_weights; no pooler (the project head does not use it). Frozen parameters (embeddings, the first N layers) have
requires_grad False, so autograd stops below the lowest trainable layer, like edgeclass's backward.

One timed step: optimizer.zero_grad(set_to_none=True) + forward + loss.backward() + clip_grad_norm_(trainable, 1.0)
+ optimizer.step(), with torch.optim.AdamW(betas (0.9, 0.999), eps 1e-8, weight decay 0.01 except on biases and
LayerNorm weights, the Hugging Face Trainer's grouping; torch's default implementation for the version).
"""
import argparse
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib'))
from torch_bert import BertEncoder, reply, serve  # noqa: E402
from infer_torch import read_safetensors  # noqa: E402  (bench/, the script's own folder, is on sys.path)


class Bert(BertEncoder):
    def __init__(self, spec, weights=None, device='cpu'):
        super().__init__({}, spec['hidden'], spec['heads'], spec['layers'], eps=1e-12, dropout=0.1)
        H, I = self.H, spec['intermediate']
        g = torch.Generator().manual_seed(0)
        shapes = {
            'embeddings.word_embeddings.weight': (spec['vocab'], H),
            'embeddings.position_embeddings.weight': (512, H),
            'embeddings.token_type_embeddings.weight': (2, H),
            'embeddings.LayerNorm.weight': (H,), 'embeddings.LayerNorm.bias': (H,),
        }
        for i in range(self.L):
            p = f'encoder.layer.{i}'
            for name in ('attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense'):
                shapes[f'{p}.{name}.weight'] = (H, H)
                shapes[f'{p}.{name}.bias'] = (H,)
            shapes[f'{p}.attention.output.LayerNorm.weight'] = (H,)
            shapes[f'{p}.attention.output.LayerNorm.bias'] = (H,)
            shapes[f'{p}.intermediate.dense.weight'] = (I, H)
            shapes[f'{p}.intermediate.dense.bias'] = (I,)
            shapes[f'{p}.output.dense.weight'] = (H, I)
            shapes[f'{p}.output.dense.bias'] = (H,)
            shapes[f'{p}.output.LayerNorm.weight'] = (H,)
            shapes[f'{p}.output.LayerNorm.bias'] = (H,)
        shapes['project_head.classifier.weight'] = (2, H)
        shapes['project_head.classifier.bias'] = (2,)
        self.w = {}
        for name, shape in shapes.items():
            if name.endswith('LayerNorm.weight'):
                t = torch.ones(shape)
            elif name.endswith('.bias'):
                t = torch.zeros(shape)
            else:
                t = torch.empty(shape).normal_(0.0, 0.02, generator=g)
            if name == 'embeddings.word_embeddings.weight':
                t[0].zero_()  # padding row
            self.w[name] = t
        if weights is not None:
            for name, t in self.w.items():
                if name not in weights:
                    raise SystemExit(f'--weights: no tensor {name}')
                if tuple(weights[name].shape) != tuple(t.shape):
                    raise SystemExit(f'--weights: {name} has shape {tuple(weights[name].shape)}, not {tuple(t.shape)}')
                self.w[name] = weights[name].clone()
        self.w = {name: t.to(device) for name, t in self.w.items()}
        frozen_layers = spec['freeze']['layers']
        for name, t in self.w.items():
            frozen = (spec['freeze']['embeddings'] and name.startswith('embeddings.')) or (
                name.startswith('encoder.layer.') and int(name.split('.')[2]) < frozen_layers)
            t.requires_grad_(not frozen)

    def trainable(self):
        return [(n, t) for n, t in self.w.items() if t.requires_grad]

    def forward(self, input_ids, attention_mask, token_type_ids):
        x = self.encode(input_ids, attention_mask, token_type_ids)
        pooled = self.drop(x[:, 0])
        return self.linear(pooled, 'project_head.classifier')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--case', required=True)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--weights')
    ap.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    args = ap.parse_args()
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('--device cuda: this PyTorch has no CUDA device (torch.cuda.is_available() is False)')
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if args.device == 'cuda' else (lambda: None)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    t0 = time.perf_counter()
    with open(args.case) as f:
        spec = json.load(f)
    model = Bert(spec, read_safetensors(args.weights) if args.weights else None, device)
    B, T = spec['batch'], spec['seq']
    ids = torch.tensor(spec['input_ids'], dtype=torch.long, device=device).view(B, T)
    feeds = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    labels = torch.tensor(spec['labels'], dtype=torch.long, device=device)
    trainable = model.trainable()
    no_decay = lambda n: n.endswith('.bias') or n.endswith('LayerNorm.weight')
    groups = [
        {'params': [t for n, t in trainable if not no_decay(n)], 'weight_decay': spec['weight_decay']},
        {'params': [t for n, t in trainable if no_decay(n)], 'weight_decay': 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=spec['lr'], betas=(0.9, 0.999), eps=1e-8)
    params = [t for _, t in trainable]
    load_ms = (time.perf_counter() - t0) * 1e3
    losses = []

    def step():
        optimizer.zero_grad(set_to_none=True)
        logits = model.forward(*feeds)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        return loss.item()

    reply({'ready': True, 'loadMs': load_ms, 'version': f'torch {torch.__version__}', 'threads': torch.get_num_threads(),
           'trainableTensors': len(params), 'trainableParams': sum(t.numel() for t in params)})
    def run(msg):
        times = []
        for _ in range(msg['n']):
            t = time.perf_counter()
            loss = step()  # .item() waits for the GPU's loss; sync() for the optimizer step after it
            sync()
            times.append((time.perf_counter() - t) * 1e3)
            if not math.isfinite(loss):
                raise ValueError(f'loss is {loss}')
            losses.append(loss)
        return {'ok': True, 'times': times}

    def dump(msg):
        with open(msg['file'], 'w') as f:
            out = {'losses': losses, 'maxRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
            if args.device == 'cuda':
                out['maxGpuMiB'] = torch.cuda.max_memory_allocated() / 2**20
            json.dump(out, f)
        return {'ok': True}

    def first_loss(msg):
        if losses:
            raise ValueError('first_loss after a training step: the weights have moved')
        p, model.p = model.p, 0.0
        try:
            with torch.no_grad():
                loss = F.cross_entropy(model.forward(*feeds), labels).item()
        finally:
            model.p = p
        return {'ok': True, 'loss': loss}

    serve({'run': run, 'dump': dump, 'first_loss': first_loss})


if __name__ == '__main__':
    main()
