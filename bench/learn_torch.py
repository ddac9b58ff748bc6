#!/usr/bin/python3
"""PyTorch anchor for bench/learn.ts: the same recipe as `edgeclass train` there, in PyTorch, timed end to end.

Run by bench/learn.ts with Debian's /usr/bin/python3 (python3-torch); not a project dependency.

    /usr/bin/python3 bench/learn_torch.py --data FILE --weights SAFETENSORS [--threads 2]

FILE (written by bench/learn.ts): JSON with the recipe (layers, hidden, heads, epochs, batch_size, lr, warmup_ratio,
weight_decay, seed, pad_id) and the token ids of train/dev/test as edgeclass's tokenizer encodes them (the same
truncation to max_length; tokenizing is timed on the edgeclass side and added to this side's wall time by learn.ts).
SAFETENSORS: the base model edgeclass trains from (`edgeclass init-model`), so both sides start from the same encoder.

The recipe: bench/lib/torch_bert.py's BERT encoder (post-LN, erf GELU, dropout 0.1 at Hugging Face's sites), mean
pooling over real tokens -> dropout 0.1 -> Linear(H, 2) (edgeclass's 'project' head; N(0, 0.02) weights, zero bias),
cross-entropy; AdamW (0.9, 0.999, eps 1e-8, weight decay on matrices only), linear schedule with warm-up, gradient
clipping at 1.0; batches of the shuffled training set padded to their longest row; the dev set evaluated after each
epoch, the best epoch's weights evaluated once on test. Prints one JSON line: wall seconds, the curve, test accuracy.
"""
import argparse
import json
import os
import sys
import time

T0 = time.perf_counter()
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_bert import BertEncoder  # noqa: E402
from infer_torch import read_safetensors  # noqa: E402


def batches(rows, size, pad_id, order):
    for b in range(0, len(order), size):
        idx = order[b:b + size]
        width = max(len(rows[i]) for i in idx)
        ids = torch.full((len(idx), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(idx), width), dtype=torch.long)
        for r, i in enumerate(idx):
            ids[r, :len(rows[i])] = torch.tensor(rows[i])
            mask[r, :len(rows[i])] = 1
        yield idx, ids, mask


class Classifier(BertEncoder):
    def logits(self, ids, mask):
        h = self.encode(ids, mask, torch.zeros_like(ids))  # [B, T, H]
        m = mask.unsqueeze(2).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)  # [B, H]
        return self.linear(self.drop(pooled), 'project_head.classifier')


def evaluate(model, split, spec):
    p, model.p = model.p, 0.0
    correct, loss = 0, 0.0
    order = sorted(range(len(split['ids'])), key=lambda i: len(split['ids'][i]))
    with torch.no_grad():
        for idx, ids, mask in batches(split['ids'], spec['batch_size'], spec['pad_id'], order):
            logits = model.logits(ids, mask)
            labels = torch.tensor([split['labels'][i] for i in idx])
            loss += F.cross_entropy(logits, labels, reduction='sum').item()
            correct += (logits.argmax(1) == labels).sum().item()
    model.p = p
    n = len(split['ids'])
    return {'accuracy': correct / n, 'loss': loss / n}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--weights', required=True)
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with open(args.data) as f:
        spec = json.load(f)
    torch.manual_seed(spec['seed'])
    w = {k[len('bert.'):] if k.startswith('bert.') else k: t.clone() for k, t in read_safetensors(args.weights).items()}
    H = spec['hidden']
    w['project_head.classifier.weight'] = torch.empty(2, H).normal_(0.0, 0.02)
    w['project_head.classifier.bias'] = torch.zeros(2)
    model = Classifier(w, H, spec['heads'], spec['layers'], eps=1e-12, dropout=0.1)
    names = [n for n in w if n.startswith(('embeddings.', 'encoder.', 'project_head.'))]
    for n in names:
        w[n].requires_grad_(True)
    no_decay = lambda n: n.endswith('.bias') or 'LayerNorm' in n
    optimizer = torch.optim.AdamW([
        {'params': [w[n] for n in names if not no_decay(n)], 'weight_decay': spec['weight_decay']},
        {'params': [w[n] for n in names if no_decay(n)], 'weight_decay': 0.0},
    ], lr=spec['lr'], betas=(0.9, 0.999), eps=1e-8)
    train = spec['train']
    steps_per_epoch = (len(train['ids']) + spec['batch_size'] - 1) // spec['batch_size']
    total = steps_per_epoch * spec['epochs']
    warmup = int(total * spec['warmup_ratio'])
    schedule = lambda s: s / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    params = [w[n] for n in names]
    gen = torch.Generator().manual_seed(spec['seed'])
    curve, best, best_state = [], None, None
    for epoch in range(spec['epochs']):
        order = torch.randperm(len(train['ids']), generator=gen).tolist()
        for idx, ids, mask in batches(train['ids'], spec['batch_size'], spec['pad_id'], order):
            labels = torch.tensor([train['labels'][i] for i in idx])
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model.logits(ids, mask), labels).backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
        dev = evaluate(model, spec['dev'], spec)
        curve.append({'epoch': epoch + 1, 'elapsed_s': time.perf_counter() - T0, **dev})
        if best is None or dev['accuracy'] > best:
            best, best_state = dev['accuracy'], {n: w[n].detach().clone() for n in names}
    for n in names:
        w[n].data.copy_(best_state[n])
    test = evaluate(model, spec['test'], spec)
    print(json.dumps({'wall_s': time.perf_counter() - T0, 'version': f'torch {torch.__version__}',
                      'threads': torch.get_num_threads(), 'curve': curve, 'best_dev_accuracy': best, 'test': test}))


if __name__ == '__main__':
    main()
