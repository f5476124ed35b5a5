"""The sentence-embedding model, through fastembed (onnxruntime; no torch).

``semantic.model`` names a local model folder (a sentence-transformers model
exported to ONNX: ``model.onnx`` or ``onnx/model.onnx``, ``tokenizer.json``,
``config.json``, and optionally ``1_Pooling/config.json`` and ``modules.json``
for its pooling and normalisation), or a model name that fastembed knows and
downloads once into ``semantic.cache_dir``. Whatever stops a model from
loading (no extra installed, no such folder, no network for a download) is
one :class:`SemanticUnavailable` whose message says why.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.paths import checksum

log = logging.getLogger(__name__)

EXTRA_HINT = "install the semantic extra: pip install 'corpus-bot[semantic]'"
# Texts encoded per model call at reindex. One at a time is the fastest on these
# machines (no padding to the longest of a batch; onnxruntime spreads one text over
# the cores) and the leanest: batches of 64 texts of mixed length took 4 times as long
# and 3 GB (measured on Rust blog passages: 39 ms a text and 260 MB with one).
BATCH = 1
# Words of a question that are encoded: the model's time grows with a text's length
# (11 ms for 40-80 words against 4 ms for 10-20, one core), and on the tuning halves
# of all three corpora the answers were the same with the first 32 or 48 words as with
# every word. BM25F still reads the whole question.
QUESTION_WORDS: int | None = 32


class SemanticUnavailable(RuntimeError):
    """The semantic stage cannot run; the message says why, in one line."""


class Encoder(Protocol):
    """What the semantic stage needs of a model (the real one is :class:`Embedder`)."""

    identity: str
    dimensions: int

    def encode(self, text: str) -> np.ndarray:
        """One question's unit vector."""

    def encode_many(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of many passages, one row each."""


class Embedder:
    """A loaded model: questions and passages to unit float32 vectors."""

    def __init__(self, model: Any, name: str, identity: str, dimensions: int) -> None:
        """Wrap a fastembed ``TextEmbedding``; ``identity`` changes when the model does."""
        self._model = model
        self.name = name
        self.identity = identity
        self.dimensions = dimensions
        self._lock = threading.Lock()

    def encode(self, text: str) -> np.ndarray:
        """One question's unit vector (of its first :data:`QUESTION_WORDS` words)."""
        if QUESTION_WORDS is not None:
            text = " ".join(text.split()[:QUESTION_WORDS])
        vectors = list(self._model.query_embed([text]))
        return _unit(np.asarray(vectors[0], np.float32))

    def encode_many(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of many passages, one row each (at reindex: off the event loop)."""
        if not texts:
            return np.zeros((0, self.dimensions), np.float32)
        with self._lock:  # one batch job at a time: a reindex must not starve questions
            rows = list(self._model.embed(list(texts), batch_size=BATCH))
        return _unit(np.asarray(rows, np.float32))


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    unit: np.ndarray = (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    return unit


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def _model_file(folder: Path) -> str:
    for name in ("model.onnx", "onnx/model.onnx"):
        if (folder / name).is_file():
            return name
    raise SemanticUnavailable(f"no model.onnx in the model folder {folder}")


def _describe_folder(folder: Path) -> dict[str, Any]:
    """What fastembed needs to know of a local sentence-transformers folder."""
    config = _read_json(folder / "config.json")
    dimensions = config.get("hidden_size") if isinstance(config, dict) else None
    if not isinstance(dimensions, int) or dimensions <= 0:
        raise SemanticUnavailable(f"the model folder {folder} has no config.json with hidden_size")
    pooling = _read_json(folder / "1_Pooling" / "config.json")
    cls = isinstance(pooling, dict) and bool(pooling.get("pooling_mode_cls_token"))
    modules = _read_json(folder / "modules.json")
    normalise = not isinstance(modules, list) or any(
        isinstance(m, dict) and str(m.get("type", "")).endswith("Normalize") for m in modules
    )
    return {"dim": dimensions, "cls": cls, "normalization": normalise}


_REGISTER = threading.Lock()


def _local_model(folder: Path, threads: int | None) -> Embedder:
    from fastembed import TextEmbedding
    from fastembed.common.model_description import ModelSource, PoolingType

    model_file = _model_file(folder)
    described = _describe_folder(folder)
    identity = checksum(folder / model_file, size=10)  # the model's own bytes
    name = f"corpus-bot/local-{identity}"
    with _REGISTER:
        known = {m["model"].lower() for m in TextEmbedding.list_supported_models()}
        if name.lower() not in known:
            TextEmbedding.add_custom_model(
                model=name,
                pooling=PoolingType.CLS if described["cls"] else PoolingType.MEAN,
                normalization=described["normalization"],
                sources=ModelSource(hf="local/none"),  # never fetched: the folder is given
                dim=described["dim"],
                model_file=model_file,
            )
    model = TextEmbedding(model_name=name, specific_model_path=str(folder), threads=threads)
    return Embedder(model, folder.name, f"{folder.name}-{identity}", described["dim"])


def _named_model(name: str, cache_dir: str, threads: int | None) -> Embedder:
    from fastembed import TextEmbedding

    known = {m["model"].lower(): m for m in TextEmbedding.list_supported_models()}
    if name.lower() not in known:
        raise SemanticUnavailable(f"no model folder {name}, and fastembed knows no such model")
    model = TextEmbedding(model_name=name, cache_dir=cache_dir or None, threads=threads)
    return Embedder(model, name, name, int(known[name.lower()]["dim"]))


def load_embedder(model: str, cache_dir: str = "", threads: int | None = None) -> Embedder:
    """The model named by ``model`` (a folder, else a fastembed name); raises
    :class:`SemanticUnavailable` saying why it cannot be had."""
    if not model.strip():
        raise SemanticUnavailable("no model is set (semantic.model)")
    try:
        import fastembed  # noqa: F401
    except ImportError:
        raise SemanticUnavailable(f"fastembed is not installed ({EXTRA_HINT})") from None
    folder = Path(model).expanduser()
    try:
        if folder.is_dir():
            return _local_model(folder, threads)
        path_like = folder.is_absolute() or model.startswith((".", "~")) or model.count("/") > 1
        if path_like:
            raise SemanticUnavailable(f"the model folder {model} does not exist")
        return _named_model(model, cache_dir, threads)
    except SemanticUnavailable:
        raise
    except Exception as exc:  # onnxruntime, tokenizers and downloads raise many kinds
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise SemanticUnavailable(f"the model {model} could not be loaded: {first}") from None


def warm(embedder: Embedder, texts: Iterable[str] = ("warm up",)) -> None:
    """Run the model once so that the first question does not pay for its set-up."""
    for text in texts:
        embedder.encode(text)


_SHARED: dict[tuple[str, str], Embedder | SemanticUnavailable] = {}
_SHARED_LOCK = threading.Lock()


def shared_embedder(model: str, cache_dir: str = "") -> Embedder | None:
    """One loaded model per name for the whole process, or ``None`` when it cannot be had
    (said once, in one warning: the bot then answers with BM25F alone)."""
    with _SHARED_LOCK:
        found = _SHARED.get((model, cache_dir))
        if found is None:
            try:
                found = load_embedder(model, cache_dir)
                warm(found)
            except SemanticUnavailable as exc:
                found = exc
                log.warning("semantic stage off: %s; answering with BM25F alone", exc)
            _SHARED[(model, cache_dir)] = found
    return found if isinstance(found, Embedder) else None
