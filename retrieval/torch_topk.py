"""Exact inner-product search as one matrix product and `torch.topk`: the GPU engine, and its CPU twin.

On a GPU the passages' vectors sit in device memory in bfloat16 (half the bytes of float32; a GPU multiplies it
at full speed), the question is multiplied against all of them and the best rows are taken on the device. The
reduced precision only chooses candidates: a few times `k` rows are fetched and re-scored in float32 from the
vectors on the host, so the scores returned are the float32 cosines flat FAISS search returns and the order
agrees with it except between rows closer than float32 can tell apart.

The same code runs with `device="cpu"`, which is how the tests check it against FAISS on a machine without a
GPU. torch is imported only when such an engine is made.
"""
from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)

__all__ = ["TorchTopK"]

RESCORE = 4  # candidates fetched per result when the device holds reduced-precision vectors
MAX_BLOCK = 1 << 27  # query × passage scores computed at once (256 MB of bfloat16)


class TorchTopK:
    """Exact top-k over unit vectors (scores are cosines), on any torch device."""

    def __init__(self, vectors: np.ndarray, device: str = "cpu", dtype: str = "float32") -> None:
        import torch

        self._torch = torch
        self.device = torch.device(device)
        self.dtype = getattr(torch, dtype)
        self._host = np.ascontiguousarray(vectors, dtype="float32")
        self._matrix = torch.from_numpy(self._host).to(self.device, self.dtype)
        self.reduced = self.dtype != torch.float32
        log.info("exact search over %d vectors on %s in %s", len(self._host), self.device, dtype)

    @property
    def size(self) -> int:
        return len(self._host)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (float32 scores, int64 row ids) per query row, best first; k is at most the number of rows."""
        torch = self._torch
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype="float32")
        fetch = min(self.size, k * RESCORE if self.reduced else k)
        block = max(1, MAX_BLOCK // max(1, self.size))
        scores, ids = [], []
        with torch.inference_mode():
            for start in range(0, len(queries), block):
                q = torch.from_numpy(queries[start:start + block]).to(self.device, self.dtype)
                top = torch.topk(q @ self._matrix.T, fetch, dim=1)
                scores.append(top.values.float().cpu().numpy())
                ids.append(top.indices.cpu().numpy().astype("int64"))
        scores, ids = np.concatenate(scores), np.concatenate(ids)
        if self.reduced:
            return self._rescored(queries, ids, k)
        return scores, ids

    def _rescored(self, queries: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The candidates' float32 cosines from the host vectors, best first (equal scores by row)."""
        exact = np.einsum("qd,qkd->qk", queries, self._host[ids]).astype("float32")
        order = np.lexsort((ids, -exact), axis=1)[:, :k]
        return np.take_along_axis(exact, order, 1), np.take_along_axis(ids, order, 1)
