"""An approximate nearest-vector index (hnswlib) for corpora with many vectors.

numpy's exact search reads every vector for every question: about 18 ms per
100,000 vectors on one core (``python -m bench.semantic``), more than a
question may cost. From :data:`APPROXIMATE_FROM` vectors on, and when hnswlib
is installed (``pip install 'corpus-bot[ann]'``), the stage builds an HNSW
graph over the vectors at reindex and asks it for the nearest instead (well
under a millisecond; it finds about 96% of the exact ten on clustered vectors).
The graph is saved beside the vectors (``<manifest stem>.hnsw`` with a JSON
sidecar naming what it was built from, its size and checksum) and rebuilt
whenever the vectors change or anything does not check out.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.paths import checksum, private_folder, private_open, read_manifest, replace_json

log = logging.getLogger(__name__)

# Vectors from which the approximate index is worth its build (exact search of fewer
# costs a few milliseconds on one core).
APPROXIMATE_FROM = 50_000
MAGIC = "corpus-bot hnsw"
FORMAT = 1
M = 16  # graph links a node; with EF_CONSTRUCTION, hnswlib's usual middle settings
EF_CONSTRUCTION = 100
SIDECAR_BYTES = 10_000  # a sidecar is a few fields; a larger file is not one
EF_SEARCH = 128  # measured: 99.8% of the exact ten at 100,000 clustered vectors, 95% at 1M


class Approximate:
    """Rows nearest to a vector, from an HNSW graph over a fixed matrix (inner product:
    the rows are unit vectors, so it ranks by cosine)."""

    def __init__(self, graph: Any, rows: int) -> None:
        """Wrap a built or loaded ``hnswlib.Index`` over ``rows`` rows."""
        self._graph = graph
        self.rows = rows

    def nearest_rows(self, vector: np.ndarray, wanted: int) -> np.ndarray:
        """About the ``wanted`` rows nearest to ``vector``, best first."""
        wanted = min(wanted, self.rows)
        if wanted <= 0:
            return np.zeros(0, np.int64)
        self._graph.set_ef(max(EF_SEARCH, wanted))
        labels, _distances = self._graph.knn_query(vector.astype(np.float32), k=wanted)
        found: np.ndarray = labels[0].astype(np.int64)
        return found


def available() -> bool:
    """Whether hnswlib is installed."""
    try:
        import hnswlib  # noqa: F401
    except ImportError:
        return False
    return True


def contents_key(model: str, keys: Sequence[str]) -> str:
    """What a graph is built from: the model and every article's texts digest in order."""
    digest = hashlib.blake2b(model.encode(), digest_size=16)
    for key in keys:
        digest.update(b"\n" + key.encode())
    return digest.hexdigest()


def build(matrix: np.ndarray) -> Approximate:
    """An HNSW graph over ``matrix``'s rows (all cores; at reindex, off the event loop)."""
    import hnswlib

    graph = hnswlib.Index(space="ip", dim=int(matrix.shape[1]))
    graph.init_index(max_elements=len(matrix), ef_construction=EF_CONSTRUCTION, M=M)
    graph.add_items(matrix, np.arange(len(matrix)))
    graph.set_num_threads(1)  # a question asks with one thread
    return Approximate(graph, len(matrix))


def graph_path(vectors_manifest: Path) -> Path:
    """Where the graph of the vectors saved at ``vectors_manifest`` is kept."""
    return vectors_manifest.with_suffix(".hnsw")


def save(path: Path, approximate: Approximate, key: str) -> None:
    """Save the graph at ``path`` with its sidecar (written last, so that a sidecar
    always describes a whole graph)."""
    private_folder(path.parent)
    sidecar = path.with_suffix(".hnsw.json")
    sidecar.unlink(missing_ok=True)  # no sidecar ever describes another graph
    temporary = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with private_open(temporary):
            pass  # created owner-only; hnswlib writes it by name
        approximate._graph.save_index(str(temporary))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    described = {
        "magic": MAGIC,
        "format": FORMAT,
        "key": key,
        "rows": approximate.rows,
        "bytes": path.stat().st_size,
        "blake2b": checksum(path),
    }
    replace_json(sidecar, described)


def load(path: Path, key: str, dimensions: int) -> Approximate | None:
    """The graph saved at ``path`` if it was built from ``key`` and checks out whole;
    else ``None`` (said in one warning when a graph was there)."""
    sidecar = path.with_suffix(".hnsw.json")
    if not path.is_file() or not sidecar.is_file():
        return None
    try:
        described = read_manifest(sidecar, SIDECAR_BYTES, ValueError)
        fits = (
            isinstance(described, dict)
            and described.get("magic") == MAGIC
            and described.get("format") == FORMAT
            and isinstance(described.get("rows"), int)
            and described.get("bytes") == path.stat().st_size
        )
        if not fits or described.get("key") != key:
            return None  # another corpus state's graph: rebuilt without a fuss
        if checksum(path) != described.get("blake2b"):
            raise ValueError("the graph does not match its checksum")
        import hnswlib

        graph = hnswlib.Index(space="ip", dim=dimensions)
        graph.load_index(str(path), max_elements=described["rows"])
        graph.set_num_threads(1)
        return Approximate(graph, described["rows"])
    except (OSError, ValueError, RuntimeError) as exc:
        log.warning("saved vector graph %s cannot be used (%s); building it again", path, exc)
        return None
