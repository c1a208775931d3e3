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

Events outside the vocabulary: while training, a share of the window's tokens is replaced
by the unknown token (context the model learns to read) and unknown positions are never
targets, so an unknown token at an event's own position scores as the most surprising
token. Where events have content, probe single-event models are cross-fitted over five
groups of tokens (each trained without one group), and their scores on the held-out normal
events, every token weighted alike, are the `unknown` thresholds: the scale on which
`logward score` ranks messages whose template the model never saw by their content alone.
A share of the windows (--cut-context, 0.5) lose their history in training, as logs that
start mid-session or are filtered do. The graph also gives each position's loss (`token_loss`) and each
content feature's squared error (`content_error`) for `--explain`.

    train.py FEATURES.npz --name NAME --out DIR [--seed 7] [--epochs 12] [--description TEXT] [--no-card]

Writes NAME.onnx, NAME.json and a model card NAME.md (what it saw, its thresholds, how to
use it), unless --no-card.

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
UNKNOWN_RATE = 0.05      # share of context tokens replaced by the unknown token in training


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

    def token_loss(self, tokens):
        return self.token_nll(tokens)

    def score(self, tokens):
        return self.token_nll(tokens).max(dim=1).values


class SingleAE(nn.Module):
    def __init__(self, dims, hidden=32, latent=8):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(dims, hidden), nn.ReLU(), nn.Linear(hidden, latent), nn.ReLU(),
            nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, dims))

    def errors(self, content):
        return (self.net(content) - content) ** 2

    def score(self, content):
        return self.errors(content).sum(dim=1)


class Scorer(nn.Module):
    """The exported graph: both scores for a batch of (window, content of its last event)."""

    def __init__(self, sequence, single):
        super().__init__()
        self.sequence, self.single = sequence, single

    def forward(self, tokens, content):
        loss = self.sequence.token_nll(tokens)
        errors = self.single.errors(content)
        return loss.max(dim=1).values, errors.sum(dim=1), loss, errors


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


def with_unknowns(tokens, generator):
    """Replaces a share of the real tokens by the unknown token (not END, not padding)."""
    real = (tokens != PAD) & (tokens != END) & (tokens != UNKNOWN)
    hit = (torch.rand(tokens.shape, generator=generator) < UNKNOWN_RATE) & real
    return torch.where(hit, torch.full_like(tokens, UNKNOWN), tokens)


def with_cut_context(tokens, generator, rate):
    """Cuts the history of a share of the windows at a random point (left-padded as at a
    session's start): logs begin mid-session, are rotated and filtered, so an event may
    arrive without the events that normally precede it."""
    if rate <= 0:
        return tokens
    b, w = tokens.shape
    cut = torch.rand(b, generator=generator) < rate
    start = torch.randint(1, w, (b,), generator=generator)
    keep = torch.arange(w).unsqueeze(0) >= torch.where(cut, start, torch.zeros_like(start)).unsqueeze(1)
    return torch.where(keep, tokens, torch.zeros_like(tokens))


def sequence_loss_with(generator, cut_rate):
    def loss(model, tokens):
        tokens = with_cut_context(with_unknowns(tokens, generator), generator, cut_rate)
        nll = model.token_nll(tokens)
        target = (tokens != PAD) & (tokens != UNKNOWN)
        return (nll * target.float()).sum() / target.sum().clamp(min=1)
    return loss


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


def unknown_thresholds(content, own, end, session, epochs, seed, folds=5):
    """Cross-fitted scores of events whose token the single-event model never saw: the tokens
    are split into `folds` groups; a probe model trained without one group scores that
    group's normal events. The percentiles weigh every token alike (each message type one
    vote, however frequent), per event and per session."""
    rng = np.random.default_rng(seed + 1)
    tokens = np.unique(own[~end])
    if len(tokens) < folds:
        return None, {}
    group = dict(zip(rng.permutation(tokens).tolist(), np.arange(len(tokens)) % folds))
    fold = np.array([group.get(t, -1) for t in own])
    scores = np.full(len(own), np.nan)
    for k in range(folds):
        out = (fold == k) & ~end
        keep = (fold != k) & ~end
        torch.manual_seed(seed + 1 + k)
        probe = SingleAE(content.shape[1])
        print(f"probe single-event model {k + 1}/{folds} without {int(sum(1 for g in group.values() if g == k))} "
              f"of {len(tokens)} tokens ({int(out.sum())} held-out events):", flush=True)
        train_model(probe, single_loss, content[torch.from_numpy(keep)], max(epochs // 2, 1), rng)
        scores[out] = scores_of(probe.score, content[torch.from_numpy(out)])
    held = ~np.isnan(scores)
    counts = np.bincount(own[held])
    weight = 1.0 / counts[own[held]]
    x = scores[held]
    levels = {"unit": weighted_percentiles(x, weight),
              "session": percentiles(session_max(x, session[held]))}
    return levels, {"folds": folds, "tokens": int(len(tokens)), "events": int(held.sum())}


def weighted_percentiles(x, weight):
    order = np.argsort(x)
    cum = np.cumsum(weight[order])
    cum /= cum[-1]
    return [float(x[order][min(np.searchsorted(cum, p / 100.0), len(x) - 1)]) for p in PERCENTILES]


def card(meta, path, counts):
    """The model card written beside a fitted model: what it saw, its thresholds, how to use it."""
    t = meta["thresholds"]
    name, tr = meta["name"], meta["training"]
    def row(label, levels):
        return f"| {label} | " + " | ".join(f"{x:.4g}" for x in levels) + " |"
    lines = [
        f"# Model card: `{name}`", "",
        f"Fitted by `models/train.py` on {tr['events']:,} events in {tr['sessions']:,} sessions "
        f"({tr['windows']:,} windows of {meta['window']}) from `{tr['features']}`, seed {tr['seed']}, "
        f"{tr['epochs']} epochs, {tr['seconds']} s, torch {tr['torch']}.", "",
        f"**Data.** {meta['data'] or '(no description given: pass --description)'}", "",
        f"**Sessions.** `{meta['session_field']}`.", "",
        f"**Tokens** ({len(meta['vocabulary'])}): what each event means where its fields say so "
        "(dataset/code/action/outcome), else its template (shown by its pattern). The most frequent:", "",
        "| events | token |", "|---:|---|",
    ]
    for token, n in counts[:12]:
        lines.append(f"| {n:,} | `{token[:100]}` |")
    lines += ["", "**Thresholds** (percentiles of the training scores; severity low, medium, high, critical):", "",
              "| scale | p85 | p95 | p99 | p99.9 |", "|---|---:|---:|---:|---:|",
              row("sequence, per window", t["sequence"]["unit"]), row("sequence, per session", t["sequence"]["session"])]
    if t.get("single"):
        lines.append(row("single-event, per event", t["single"]["unit"]))
    if t.get("unknown"):
        lines.append(row("events outside the vocabulary (content)", t["unknown"]["unit"]))
    lines += ["", "**How to use it.**", "",
              "    logward parse /var/log/auth.log | logward score --model " + os.path.join(os.path.dirname(path), name + ".onnx"),
              "", "Events whose token this model never saw are scored by their content and marked "
              "`logward.anomaly.unknown: true`; `--explain` says what drove each score. Refit it on a recent "
              "month of normal logs (`make fit`) when the host's routine changes.", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("features")
    ap.add_argument("--name", required=True)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--description", default="", help="what the training data is, for the metadata")
    ap.add_argument("--cut-context", type=float, default=0.5,
                    help="share of training windows whose history is cut (robustness to partial logs; 0 for complete sessions)")
    ap.add_argument("--no-card", action="store_true", help="do not write NAME.md (the shipped models have their own)")
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(a.seed)
    generator = torch.Generator().manual_seed(a.seed)

    d = np.load(a.features)
    tokens = torch.from_numpy(d["tokens"])
    content = torch.from_numpy(d["content"])
    session, end = d["session"], d["end"].astype(bool)
    vocabulary = [str(v) for v in d["vocabulary"]]
    labels = [str(v) for v in d["labels"]] if "labels" in d.files else list(vocabulary)
    window = int(d["window"][0])
    vocab_size = FIRST_TEMPLATE + len(vocabulary)
    if len(tokens) == 0:
        raise SystemExit(f"{a.features}: no windows to learn from (were the events parsed by logward parse?)")
    print(f"{a.features}: {len(tokens)} windows, {int((~end).sum())} events, {int(end.sum())} sessions, "
          f"{len(vocabulary)} tokens, window {window}", flush=True)

    started = time.time()
    sequence = SequenceAE(vocab_size, window)
    print("sequence autoencoder:", flush=True)
    seq_loss = train_model(sequence, sequence_loss_with(generator, a.cut_context), tokens, a.epochs, rng)
    events = content[torch.from_numpy(~end)]
    # Events without content (key sequences) leave nothing for the single-event model to learn.
    has_content = bool((events.std(dim=0) > 0).any()) if len(events) > 1 else False
    own = d["tokens"][:, -1]
    unknown, held = (None, {})
    if has_content:
        unknown, held = unknown_thresholds(content, own, end, session, a.epochs, a.seed)
    torch.manual_seed(a.seed)
    single = SingleAE(content.shape[1])
    print("single-event autoencoder:", flush=True)
    one_loss = train_model(single, single_loss, events, a.epochs, rng)

    seq_scores = scores_of(sequence.score, tokens)
    one_scores = scores_of(single.score, content)
    thresholds = {
        "sequence": {"unit": percentiles(seq_scores[~end]), "session": percentiles(session_max(seq_scores, session))},
        "single": {"unit": percentiles(one_scores[~end]),
                   "session": percentiles(session_max(one_scores[~end], session[~end]))} if has_content else None,
        "unknown": unknown,
    }

    os.makedirs(a.out, exist_ok=True)
    onnx_path = os.path.join(a.out, f"{a.name}.onnx")
    scorer = Scorer(sequence, single).eval()
    torch.onnx.export(
        scorer, (tokens[:2], content[:2]), onnx_path, dynamo=False, opset_version=17,
        input_names=["tokens", "content"],
        output_names=["sequence_score", "single_score", "token_loss", "content_error"],
        dynamic_axes={"tokens": {0: "batch"}, "content": {0: "batch"}, "sequence_score": {0: "batch"},
                      "single_score": {0: "batch"}, "token_loss": {0: "batch"}, "content_error": {0: "batch"}})
    graph = onnx.load(onnx_path)
    for key, value in [("logward.vocabulary", json.dumps(vocabulary)), ("logward.window", str(window)),
                       ("logward.feature_version", str(int(d["feature_version"][0])))]:
        graph.metadata_props.add(key=key, value=value)
    onnx.save(graph, onnx_path)

    counts = np.bincount(own[~end], minlength=vocab_size)
    ranked = [(labels[i - FIRST_TEMPLATE], int(counts[i])) for i in np.argsort(-counts, kind="stable")
              if i >= FIRST_TEMPLATE and counts[i] > 0]
    meta = {
        "name": a.name,
        "format": "logward-model 2",
        "feature_version": int(d["feature_version"][0]),
        "window": window,
        "content_dims": int(content.shape[1]),
        "session_field": str(d["session_field"][0]),
        "default_severity": "high",
        "thresholds": thresholds,
        "data": a.description,
        "training": {
            "features": os.path.basename(a.features), "windows": int(len(tokens)), "events": int((~end).sum()),
            "sessions": int(end.sum()), "seed": a.seed, "epochs": a.epochs, "unknown_rate": UNKNOWN_RATE,
            "cut_context": a.cut_context,
            "held_out": held,
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
        "labels": labels,
        "idf": [float(x) for x in d["idf"]],
    }
    json_path = os.path.join(a.out, f"{a.name}.json")
    with open(json_path, "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    written = [onnx_path, json_path]
    if not a.no_card:
        card_path = os.path.join(a.out, f"{a.name}.md")
        card(meta, card_path, ranked)
        written.append(card_path)
    print(f"wrote {', '.join(written)}; thresholds {json.dumps(thresholds)}")


if __name__ == "__main__":
    main()
