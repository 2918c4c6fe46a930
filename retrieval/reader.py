"""The reader: how likely a sentence is to state the answer to a question, as a calibrated probability.

Search finds passages about the question's topic; the reader decides whether one of their sentences answers it.
Its score picks the sentence an answer leads with and is what the answer step abstains on, so "not covered" is
said when the courses talk about the topic but do not answer the question.

The bundled reader is a cross-encoder fine-tuned from the packaged MiniLM weights by `python -m eval.reader.train`
on the training part of the public development sets, exported to ONNX with int8 weights and calibrated (Platt
scaling on training groups it did not learn from); its figures are in `reader_model/reader.json`. It runs on ONNX
Runtime and the `tokenizers` library, so answering never imports torch. Any directory with the same three files
(model.onnx, tokenizer.json, reader.json) can be configured in its place.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

log = logging.getLogger(__name__)

BUNDLED_READER = Path(__file__).resolve().parent / "reader_model"


class Reader(Protocol):
    """Scores (question, sentence) pairs: the probability that the sentence states the answer."""

    def score(self, question: str, passages: Sequence[str], evidence: np.ndarray | None = None) -> np.ndarray: ...


def answerability(decision: dict | None, signals: dict[str, float]) -> float | None:
    """The probability that the best sentence found answers the question, from the signals of
    `reading.answer_signals` weighed by logistic regression (`decision` in reader.json: weights and bias);
    None when the reader has no such weights (its best sentence's probability decides alone)."""
    if not decision:
        return None
    z = decision["bias"] + sum(w * signals.get(name, 0.0) for name, w in decision["weights"].items())
    return float(1.0 / (1.0 + np.exp(-z)))


def reader_input(heading: str, sentence: str) -> str:
    """A sentence as the reader sees it: after its section heading, which often names what the sentence is about."""
    heading = " ".join(heading.split())
    return f"{heading}: {sentence}" if heading else sentence


class OnnxReader:
    """A cross-encoder in ONNX: logits from (question, passage) pairs, turned into probabilities by Platt scaling."""

    def __init__(self, directory: Path, threads: int | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        meta = json.loads((directory / "reader.json").read_text())
        self.max_tokens = int(meta.get("max_tokens", 96))
        calibration = meta.get("calibration") or {"a": 1.0, "b": 0.0}
        self._a, self._b = float(calibration["a"]), float(calibration["b"])
        self._combine = meta.get("combination")
        self.decision = meta.get("decision")
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.max_tokens, strategy="longest_first")
        self._tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        # Idle worker threads sleep rather than spin: spinning kept both cores busy after each run, where the
        # rest of the turn (storage, Rasa) needs them; REST p50 on the handbook 289 -> 266 ms (docs/evaluation.md).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # No memory arena: it would keep the buffers of the longest question's batch of sentences for good.
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(str(directory / "model.onnx"), options,
                                                     providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]
        self._lock = threading.Lock()
        self.name = meta.get("name", directory.name)

    def logits(self, question: str, passages: Sequence[str]) -> np.ndarray:
        if not passages:
            return np.zeros(0, dtype="float32")
        encoded = self._tokenizer.encode_batch([(question, p) for p in passages])
        arrays = {"input_ids": np.array([e.ids for e in encoded], dtype="int64"),
                  "attention_mask": np.array([e.attention_mask for e in encoded], dtype="int64"),
                  "token_type_ids": np.array([e.type_ids for e in encoded], dtype="int64")}
        with self._lock:
            out = self._session.run(None, {name: arrays[name] for name in self._inputs})[0]
        return np.asarray(out, dtype="float32").reshape(-1)

    def score(self, question: str, passages: Sequence[str], evidence: np.ndarray | None = None) -> np.ndarray:
        """Probabilities; with `evidence` (per passage: cosine to the question, share of the question's words it
        holds) and a reader.json that weighs them, the three signals are combined by logistic regression."""
        z = self._a * self.logits(question, passages) + self._b
        if evidence is not None and self._combine is not None and len(passages):
            w = self._combine
            z = w["logit"] * (z - self._b) / self._a + w["cosine"] * evidence[:, 0] + w["overlap"] * evidence[:, 1] + w["bias"]
        return 1.0 / (1.0 + np.exp(-z))


_loaded: dict[str, Reader] = {}
_load_lock = threading.Lock()


def load_reader(spec: str) -> Reader | None:
    """The configured reader ('bundled', a directory, or 'none'), loaded once per process."""
    if spec == "none":
        return None
    directory = BUNDLED_READER if spec == "bundled" else Path(spec)
    with _load_lock:
        if spec not in _loaded:
            if not (directory / "model.onnx").exists():
                from .errors import ConfigError

                raise ConfigError(f"retrieval.answer.reader: no model.onnx in {directory}")
            _loaded[spec] = OnnxReader(directory)
            log.info("reader loaded from %s", directory)
        return _loaded[spec]
