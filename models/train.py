#!/usr/bin/env python3
"""Trains logward's anomaly models on features exported by `logward score --export-features`
and writes `<name>.onnx` and `<name>.json` for `logward score --model`.

Two autoencoders, trained on normal logs only, exported as one ONNX graph:
  * sequence: a masked autoencoder over each window of template tokens (a one-block
    transformer: embedding, 2-head self-attention, feed-forward) reconstructs every token
    from the rest of its window; its score is the highest negative log-likelihood of a
    (non-padding) token, so one unexpected event in an otherwise normal window stands out.
  * single: each event's content vector goes through a small bottleneck MLP; its score is
    the squared reconstruction error.
Thresholds are the 85th/95th/99th/99.9th percentiles of the training scores, per window or
event and per session (the highest score of its windows, the end window included).

    train.py FEATURES.npz --name NAME --out DIR [--seed 7] [--epochs 12] [--description TEXT]

Deterministic for a seed: one thread, deterministic kernels, a fixed data order.
"""
import argparse
import json
import os
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

PAD, UNKNOWN, END, FIRST_TEMPLATE = 0, 1, 2, 3
PERCENTILES = [85.0, 95.0, 99.0, 99.9]


class SequenceAE(nn.Module):
    """Masked sequence autoencoder: every token of the window is reconstructed from the
    others. Queries come from positions only and attention never sees a position's own
    token, so the model cannot copy its input and must learn what normal context implies;
    one block, so no token reaches its own reconstruction through a second layer."""

    def __init__(self, vocab, window, dim=32, heads=2):
        super().__init__()
        self.window, self.dim, self.heads = window, dim, heads
        self.embed = nn.Embedding(vocab, dim)
        self.position = nn.Parameter(torch.randn(window, dim) * 0.1)
        self.query = nn.Linear(dim, dim)
        self.key_value = nn.Linear(dim, 2 * dim)
        self.attn_out = nn.Linear(dim, dim)
        self.norm1 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, 2 * dim), nn.ReLU(), nn.Linear(2 * dim, dim))
        self.norm2 = nn.LayerNorm(dim)
        self.out = nn.Linear(dim, vocab)
        self.register_buffer("own", torch.eye(window, dtype=torch.bool))

    def logits(self, tokens):
        b, w = tokens.shape
        d, h = self.dim, self.heads
        dh = d // h
        x = self.embed(tokens) + self.position
        q = self.query(self.position).view(w, h, dh).transpose(0, 1)
        kv = self.key_value(x).view(b, w, 2, h, dh).permute(2, 0, 3, 1, 4)
        k, v = kv[0], kv[1]
        att = (q @ k.transpose(-1, -2)) / dh ** 0.5
        att = torch.softmax(att.masked_fill(self.own, float("-inf")), dim=-1)
        y = self.attn_out((att @ v).transpose(1, 2).reshape(b, w, d))
        y = self.norm1(self.position + y)
        y = self.norm2(y + self.ff(y))
        return self.out(y)

    def token_nll(self, tokens):
        logp = torch.log_softmax(self.logits(tokens), dim=-1)
        nll = -logp.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
        return nll * (tokens != PAD).float()

    def score(self, tokens):
        return self.token_nll(tokens).max(dim=1).values


class SingleAE(nn.Module):
    def __init__(self, dims, hidden=32, latent=8):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(dims, hidden), nn.ReLU(), nn.Linear(hidden, latent), nn.ReLU(),
            nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, dims))

    def score(self, content):
        return ((self.net(content) - content) ** 2).sum(dim=1)


class Scorer(nn.Module):
    """The exported graph: both scores for a batch of (window, content of its last event)."""

    def __init__(self, sequence, single):
        super().__init__()
        self.sequence, self.single = sequence, single

    def forward(self, tokens, content):
        return self.sequence.score(tokens), self.single.score(content)


def batches(n, size, rng):
    order = rng.permutation(n)
    for i in range(0, n, size):
        yield torch.from_numpy(order[i:i + size])


def train_model(model, loss_fn, data, epochs, rng, lr=3e-3, batch=256):
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-5)
    model.train()
    last = None
    for epoch in range(epochs):
        total, count = 0.0, 0
        for idx in batches(len(data), batch, rng):
            loss = loss_fn(model, data[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            count += len(idx)
        last = total / max(count, 1)
        print(f"  epoch {epoch + 1}/{epochs}: loss {last:.5f}", flush=True)
    model.eval()
    return last


def sequence_loss(model, tokens):
    nll = model.token_nll(tokens)
    return nll.sum() / (tokens != PAD).sum().clamp(min=1)


def single_loss(model, content):
    return model.score(content).mean()


@torch.no_grad()
def scores_of(fn, data, batch=4096):
    return np.concatenate([fn(data[i:i + batch]).numpy() for i in range(0, len(data), batch)]) if len(data) else np.zeros(0)


def percentiles(x):
    return [float(np.percentile(x, p)) for p in PERCENTILES] if len(x) else [float("inf")] * 4


def session_max(scores, session):
    out = np.full(session.max() + 1 if len(session) else 0, -np.inf, dtype=np.float64)
    np.maximum.at(out, session, scores)
    return out[np.isfinite(out)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("features")
    ap.add_argument("--name", required=True)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--description", default="", help="what the training data is, for the metadata")
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(a.seed)

    d = np.load(a.features)
    tokens = torch.from_numpy(d["tokens"])
    content = torch.from_numpy(d["content"])
    session, end = d["session"], d["end"].astype(bool)
    vocabulary = [str(v) for v in d["vocabulary"]]
    window = int(d["window"][0])
    vocab_size = FIRST_TEMPLATE + len(vocabulary)
    print(f"{a.features}: {len(tokens)} windows, {int((~end).sum())} events, {int(end.sum())} sessions, "
          f"{len(vocabulary)} templates, window {window}", flush=True)

    started = time.time()
    sequence = SequenceAE(vocab_size, window)
    print("sequence autoencoder:", flush=True)
    seq_loss = train_model(sequence, sequence_loss, tokens, a.epochs, rng)
    events = content[torch.from_numpy(~end)]
    single = SingleAE(content.shape[1])
    print("single-event autoencoder:", flush=True)
    one_loss = train_model(single, single_loss, events, a.epochs, rng)

    seq_scores = scores_of(sequence.score, tokens)
    one_scores = scores_of(single.score, content)
    # Events without content (key sequences) leave nothing for the single-event model to learn.
    has_content = bool((events.std(dim=0) > 0).any()) if len(events) > 1 else False
    thresholds = {
        "sequence": {"unit": percentiles(seq_scores[~end]), "session": percentiles(session_max(seq_scores, session))},
        "single": {"unit": percentiles(one_scores[~end]),
                   "session": percentiles(session_max(one_scores[~end], session[~end]))} if has_content else None,
    }

    os.makedirs(a.out, exist_ok=True)
    onnx_path = os.path.join(a.out, f"{a.name}.onnx")
    scorer = Scorer(sequence, single).eval()
    torch.onnx.export(
        scorer, (tokens[:2], content[:2]), onnx_path, dynamo=False, opset_version=17,
        input_names=["tokens", "content"], output_names=["sequence_score", "single_score"],
        dynamic_axes={"tokens": {0: "batch"}, "content": {0: "batch"},
                      "sequence_score": {0: "batch"}, "single_score": {0: "batch"}})
    graph = onnx.load(onnx_path)
    for key, value in [("logward.vocabulary", json.dumps(vocabulary)), ("logward.window", str(window)),
                       ("logward.feature_version", str(int(d["feature_version"][0])))]:
        graph.metadata_props.add(key=key, value=value)
    onnx.save(graph, onnx_path)

    meta = {
        "name": a.name,
        "format": "logward-model 1",
        "feature_version": int(d["feature_version"][0]),
        "window": window,
        "content_dims": int(content.shape[1]),
        "session_field": str(d["session_field"][0]),
        "default_severity": "high",
        "thresholds": thresholds,
        "data": a.description,
        "training": {
            "features": os.path.basename(a.features), "windows": int(len(tokens)), "events": int((~end).sum()),
            "sessions": int(end.sum()), "seed": a.seed, "epochs": a.epochs,
            "loss": {"sequence": seq_loss, "single": one_loss}, "seconds": round(time.time() - started, 1),
            "torch": torch.__version__,
        },
        "architecture": {
            "sequence": "masked autoencoder: token embedding 32 + position, one 2-head self-attention block "
                        "(queries from positions, own token masked) + feed-forward, to tokens; "
                        "score: highest token NLL in the window",
            "single": f"MLP {int(content.shape[1])}-32-8-32-{int(content.shape[1])}; score: squared error",
        },
        # Filled in by bench/score.py, which runs the real `logward score` on held-out data.
        "evaluation": None,
        "vocabulary": vocabulary,
        "idf": [float(x) for x in d["idf"]],
    }
    json_path = os.path.join(a.out, f"{a.name}.json")
    with open(json_path, "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"wrote {onnx_path} and {json_path}; thresholds {json.dumps(thresholds)}")


if __name__ == "__main__":
    main()
