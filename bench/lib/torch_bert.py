"""Shared by bench/infer_torch.py and bench/train_torch.py, the PyTorch anchors (Debian's /usr/bin/python3 with
python3-torch; not a project dependency): Hugging Face's BertModel encoder written out with torch.nn.functional, and
the line protocol of bench/lib/infer-common.ts's Runner on stdin/stdout.

The encoder: eager attention, post-LN, erf GELU, additive float32-min mask, no pooler. `dropout` is the probability
of Hugging Face's four dropouts in train mode (after the embeddings, on the attention probabilities, after the
attention output projection, after the FFN output), drawn in that order; 0 leaves them out (eval semantics).
"""
import json
import math
import sys

import torch
import torch.nn.functional as F


class BertEncoder:
    def __init__(self, weights, hidden, heads, layers, eps=1e-12, dropout=0.0):
        self.w = weights
        self.H = hidden
        self.nh = heads
        self.L = layers
        self.eps = eps
        self.p = dropout

    def ln(self, x, prefix):
        return F.layer_norm(x, (self.H,), self.w[prefix + '.weight'], self.w[prefix + '.bias'], self.eps)

    def linear(self, x, prefix):
        return F.linear(x, self.w[prefix + '.weight'], self.w[prefix + '.bias'])

    def drop(self, x):
        return F.dropout(x, self.p, training=True) if self.p else x

    def encode(self, input_ids, attention_mask, token_type_ids):
        """last_hidden_state [B, T, H]; weights named as BertModel's (no 'bert.' prefix)."""
        w, H, nh = self.w, self.H, self.nh
        hd = H // nh
        B, T = input_ids.shape
        positions = torch.arange(T, dtype=torch.long, device=input_ids.device).unsqueeze(0).expand(B, T)
        x = (F.embedding(input_ids, w['embeddings.word_embeddings.weight'])
             + F.embedding(token_type_ids, w['embeddings.token_type_embeddings.weight'])
             + F.embedding(positions, w['embeddings.position_embeddings.weight']))
        x = self.drop(self.ln(x, 'embeddings.LayerNorm'))
        bias = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
        scale = 1.0 / math.sqrt(hd)
        for i in range(self.L):
            p = f'encoder.layer.{i}'
            q = self.linear(x, p + '.attention.self.query').view(B, T, nh, hd).transpose(1, 2)
            k = self.linear(x, p + '.attention.self.key').view(B, T, nh, hd).transpose(1, 2)
            v = self.linear(x, p + '.attention.self.value').view(B, T, nh, hd).transpose(1, 2)
            scores = torch.matmul(q, k.transpose(-1, -2)) * scale + bias
            probs = self.drop(torch.softmax(scores, dim=-1))
            ctx = torch.matmul(probs, v).transpose(1, 2).reshape(B, T, H)
            attended = self.ln(self.drop(self.linear(ctx, p + '.attention.output.dense')) + x, p + '.attention.output.LayerNorm')
            inner = F.gelu(self.linear(attended, p + '.intermediate.dense'))
            x = self.ln(self.drop(self.linear(inner, p + '.output.dense')) + attended, p + '.output.LayerNorm')
        return x


def reply(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def serve(handlers):
    """Answers one JSON line per JSON line on stdin until {"cmd": "quit"}: handlers[cmd](msg) gives the reply; an
    unknown command or an exception is reported to the parent as {"ok": false, "error"} instead of dying silently."""
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        msg = json.loads(line)
        try:
            if msg['cmd'] == 'quit':
                reply({'ok': True})
                break
            handler = handlers.get(msg['cmd'])
            reply(handler(msg) if handler else {'ok': False, 'error': f'unknown command {msg["cmd"]}'})
        except Exception as err:
            reply({'ok': False, 'error': f'{type(err).__name__}: {err}'})
