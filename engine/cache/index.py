"""An in-process vector index for one tenant scope: normalised vectors, cosine by matrix product.

Redis 7 has no vector search, so each process keeps its own index, rebuilt from the store at
start-up. Up to `exact_limit` entries a lookup is one exact matrix-vector product. Above it, the
index also keeps an inverted-file layout (k-means cells, vectors stored cell by cell) and scans only
the cells nearest the query plus the not-yet-clustered tail: approximate, so it can only miss a
candidate (a cache miss), never invent one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Candidate", "Vector", "VectorIndex"]

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Candidate:
    """An indexed entry close to a query."""

    key: str
    similarity: float


@dataclass(frozen=True)
class _Cells:
    centroids: Vector                # C x D
    offsets: npt.NDArray[np.int64]   # C + 1 boundaries into `rows` / `vectors`
    rows: npt.NDArray[np.int64]      # row ids, grouped by cell
    vectors: Vector                  # the same rows' vectors, contiguous per cell
    upto: int                        # rows [0, upto) are clustered; later rows are the tail


class VectorIndex:
    """Vectors of one scope with their keys and expiry times."""

    def __init__(self, dimensions: int, *, exact_limit: int = 4096, probes: int = 24) -> None:
        self.dimensions = dimensions
        self.exact_limit = exact_limit
        self.probes = probes
        self._vectors: Vector = np.zeros((256, dimensions), dtype=np.float32)
        self._expires = np.zeros(256, dtype=np.float64)
        self._keys: list[str] = []
        self._known: dict[str, int] = {}
        self._cells: _Cells | None = None
        self._rebuilding = threading.Lock()

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: str) -> bool:
        return key in self._known

    def add(self, key: str, vector: Vector, *, expires: float) -> None:
        """Add (or refresh) one entry; `expires` is a Unix time."""
        if key in self._known:
            row = self._known[key]
        else:
            row = len(self._keys)
            if row == len(self._vectors):  # grow by doubling: amortised O(1) appends
                self._vectors = np.concatenate([self._vectors, np.zeros_like(self._vectors)])
                self._expires = np.concatenate([self._expires, np.zeros_like(self._expires)])
            self._keys.append(key)
            self._known[key] = row
        self._vectors[row] = vector
        self._expires[row] = expires

    def search(self, query: Vector, *, threshold: float, limit: int = 5) -> list[Candidate]:
        """Live entries with cosine >= threshold, best first (at most `limit`)."""
        count = len(self._keys)
        if count == 0:
            return []
        cells = self._cells
        if cells is None:
            rows = np.arange(count)
            scores = _scores(self._vectors[:count], query)
        else:
            probes = min(self.probes, len(cells.centroids))
            picked = np.argpartition(cells.centroids @ query, -probes)[-probes:]
            # Slices, not fancy indexing: each cell is contiguous, so no vectors are copied.
            row_parts = [cells.rows[cells.offsets[c]:cells.offsets[c + 1]] for c in picked]
            score_parts = [cells.vectors[cells.offsets[c]:cells.offsets[c + 1]] @ query for c in picked]
            row_parts.append(np.arange(cells.upto, count))
            score_parts.append(_scores(self._vectors[cells.upto:count], query))
            rows = np.concatenate(row_parts)
            scores = np.concatenate(score_parts)
        hits = np.flatnonzero(scores >= threshold)
        if hits.size == 0:
            return []
        now = time.time()
        hits = hits[self._expires[rows[hits]] > now]
        best = hits[np.argsort(-scores[hits])[:limit]]
        return [Candidate(self._keys[int(rows[i])], float(scores[i])) for i in best]

    def needs_rebuild(self) -> bool:
        """Whether the clustered layout is missing or its unclustered tail has grown too long."""
        count = len(self._keys)
        if count < self.exact_limit:
            return False
        upto = self._cells.upto if self._cells else 0
        return count - upto > max(2048, upto // 8)

    def rebuild(self, *, seed: int = 0) -> None:
        """Re-cluster all rows (k-means, a few rounds); safe to run in a worker thread."""
        if not self._rebuilding.acquire(blocking=False):
            return  # another thread is at it
        try:
            upto = len(self._keys)
            vectors = self._vectors[:upto]  # rows below `upto` are never rewritten by add()
            cells = max(16, int(np.sqrt(upto)))
            rng = np.random.default_rng(seed)
            sample = vectors[rng.choice(upto, size=min(upto, cells * 40), replace=False)]
            centroids = sample[rng.choice(len(sample), size=cells, replace=False)].copy()
            for _ in range(4):
                assign = np.argmax(sample @ centroids.T, axis=1)
                for c in range(cells):
                    members = sample[assign == c]
                    if len(members):
                        mean = members.sum(axis=0)
                        centroids[c] = mean / max(float(np.linalg.norm(mean)), 1e-9)
            assign = np.empty(upto, dtype=np.int64)
            for start in range(0, upto, 8192):  # chunks keep the score matrix small
                assign[start:start + 8192] = np.argmax(vectors[start:start + 8192] @ centroids.T, axis=1)
            order = np.argsort(assign, kind="stable")
            offsets = np.searchsorted(assign[order], np.arange(cells + 1)).astype(np.int64)
            self._cells = _Cells(centroids=centroids, offsets=offsets, rows=order,
                                 vectors=np.ascontiguousarray(vectors[order]), upto=upto)
        finally:
            self._rebuilding.release()


def _scores(matrix: Vector, query: Vector) -> Vector:
    """matrix @ query in blocks of 1,024 rows.

    Small products stay on one BLAS thread; one big product fans out to every core, and on a busy
    2-core machine that made the p99 ten times worse than the p50.
    """
    if len(matrix) <= _BLOCK:
        return matrix @ query
    return np.concatenate([matrix[start:start + _BLOCK] @ query for start in range(0, len(matrix), _BLOCK)])


_BLOCK = 1024
