"""Reading a saved index's data files without trusting them: each file's size and
CRC-32 against the manifest, each array's values against what an index can hold,
all checked on threads in one streamed pass (read in blocks, not through the memory
map, so checking does not make a file resident), then mapped for reading at random.
"""

from __future__ import annotations

import contextlib
import math
import mmap
import os
import weakref
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

BLOCK = 1 << 22  # bytes read at a time when checking a file
SCAN_THREADS = max(1, min(4, os.cpu_count() or 1))  # files checked at once


class StoreError(ValueError):
    """A saved index that cannot be used; the message says why."""


def entry_of(folder: Path, name: str, files: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
    """A listed data file's path and manifest entry, when its size is the listed one."""
    entry = files.get(name)
    path = folder / name
    if not isinstance(entry, dict) or not path.is_file():
        raise StoreError(f"{name} is missing")
    if path.stat().st_size != entry.get("bytes"):
        raise StoreError(f"{name} does not match its checksum")
    return path, entry


def checked_bytes(folder: Path, name: str, files: dict[str, Any]) -> bytes:
    """The bytes of a listed data file whose size and checksum match the manifest."""
    path, entry = entry_of(folder, name, files)
    raw = path.read_bytes()
    if zlib.crc32(raw) != entry.get("crc32"):
        raise StoreError(f"{name} does not match its checksum")
    return raw


Values = TypeVar("Values", np.ndarray, "OnDisk")


@dataclass(frozen=True, slots=True)
class Loaded(Generic[Values]):
    """A saved array (memory-mapped, or left on disk), with its least and greatest value."""

    array: Values
    low: float
    high: float

    def within(self, low: float, high: float) -> bool:
        """Whether every value lies in ``[low, high)`` (NaN in none)."""
        return not len(self.array) or (self.low >= low and self.high < high)


class DataFolder:
    """A saved index's data folder, whose listed arrays are all checked at once, on
    threads (reading and checksums run outside the interpreter lock)."""

    def __init__(
        self,
        folder: Path,
        files: dict[str, Any],
        dtypes: dict[str, type],
        pool: ThreadPoolExecutor,
    ) -> None:
        """Begin checking every array of ``dtypes`` (name: type) that ``files`` lists."""
        self.folder, self.files, self.dtypes = folder, files, dtypes
        self._scans = {
            name: pool.submit(self._scan, name, dtype)
            for name, dtype in dtypes.items()
            if f"{name}.npy" in files
        }

    def _scan(self, name: str, dtype: type) -> tuple[Path, float, float]:
        path, entry = entry_of(self.folder, f"{name}.npy", self.files)
        crc, low, high = _scan(path, np.dtype(dtype))
        if crc != entry.get("crc32"):
            raise StoreError(f"{name}.npy does not match its checksum")
        return path, low, high

    def array(self, name: str, dtype: type) -> Loaded[np.ndarray]:
        """A listed ``.npy`` file, checked against its size and checksum in one streamed
        pass that also finds its smallest and largest value (read in blocks, not through
        the memory map, so checking does not make the whole file resident), then mapped."""
        _path, low, high, array = self._mapped(name, dtype)
        _random_access(array)
        # a plain array (not a memmap subclass) with numpy's own dtype object
        native: np.ndarray = np.asarray(array).view(np.dtype(dtype).type)
        return Loaded(native, low, high)

    def on_disk(self, name: str, dtype: type) -> Loaded[OnDisk]:
        """:meth:`array`, left on disk: for a large array read at random."""
        path, low, high, array = self._mapped(name, dtype)
        found = OnDisk(path, int(array.offset), np.dtype(dtype), len(array))
        return Loaded(found, low, high)

    def _mapped(self, name: str, dtype: type) -> tuple[Path, float, float, np.memmap[Any, Any]]:
        scan = self._scans.get(name)
        if scan is None or self.dtypes.get(name) is not dtype:
            raise StoreError(f"{name}.npy is missing")
        path, low, high = scan.result()
        array = np.load(path, mmap_mode="r", allow_pickle=False)  # the header we wrote
        if array.ndim != 1 or array.dtype != np.dtype(dtype):
            raise StoreError(f"{name} has the wrong shape or type")
        return path, low, high, array


class OnDisk:
    """A checked 1-D array left on disk and read a stretch at a time (``pread``): only
    what is read is held. A memory map read at random would hold far more: the kernel
    maps each page's cached neighbours with it (64 KB for every 4 KB read)."""

    def __init__(self, path: Path, offset: int, dtype: np.dtype[Any], length: int) -> None:
        """The ``length`` values of ``dtype`` from byte ``offset`` of ``path`` (kept open:
        a later save may remove the file, and this one stays readable)."""
        self._fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)
        self._offset, self.dtype, self._length = offset, dtype, length

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, at: slice, /) -> np.ndarray:
        start, stop, step = at.indices(self._length)
        if step != 1:
            raise ValueError("only whole stretches are read")
        if stop <= start:
            return np.zeros(0, self.dtype)
        size = self.dtype.itemsize
        raw = os.pread(self._fd, (stop - start) * size, self._offset + start * size)
        if len(raw) != (stop - start) * size:
            raise StoreError("a saved array was cut short")
        return np.frombuffer(raw, self.dtype)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        whole = self[:]
        return whole if dtype is None else whole.astype(dtype)


def _random_access(array: np.ndarray) -> None:
    """Tell the kernel a mapped array is read here and there: a page not yet cached is
    read alone, without read-ahead. Pages already cached are still mapped with their
    neighbours (64 KB for each 4 KB page read, measured): what questions read at random
    is left on disk instead (:class:`OnDisk`)."""
    mapped = getattr(array, "_mmap", None)
    if isinstance(mapped, mmap.mmap) and hasattr(mmap, "MADV_RANDOM"):
        with contextlib.suppress(OSError):
            mapped.madvise(mmap.MADV_RANDOM)


def _data_offset(head: bytes) -> int:
    """Where a ``.npy`` file's values begin, from its first 12 bytes (the header's
    length, not its text: that is parsed only once the checksum holds)."""
    if len(head) < 12 or not head.startswith(b"\x93NUMPY"):
        raise StoreError("not an array file")
    if head[6] == 1:
        return 10 + int.from_bytes(head[8:10], "little")
    return 12 + int.from_bytes(head[8:12], "little")


def _scan(path: Path, dtype: np.dtype[Any]) -> tuple[int, float, float]:
    """The CRC-32 of a ``.npy`` file and the least and greatest of its values."""
    low, high = math.inf, -math.inf
    block = BLOCK - BLOCK % dtype.itemsize
    with path.open("rb") as handle:
        head = handle.read(12)
        offset = _data_offset(head)
        crc = zlib.crc32(head + handle.read(max(0, offset - len(head))))
        while chunk := handle.read(block):
            crc = zlib.crc32(chunk, crc)
            if dtype != np.uint8 and len(chunk) % dtype.itemsize == 0:
                values = np.frombuffer(chunk, dtype)
                low, high = min(low, float(values.min())), max(high, float(values.max()))
    return crc, low, high


def pointer_of(loaded: Loaded[np.ndarray], rows: int, entries: int, what: str) -> np.ndarray:
    """A CSR pointer: ``rows + 1`` offsets from 0 to ``entries``, never decreasing."""
    pointer: np.ndarray = loaded.array
    if len(pointer) != rows + 1 or pointer[0] != 0 or pointer[-1] != entries:
        raise StoreError(f"{what} has the wrong number of entries")
    if len(pointer) > 1 and np.any(np.diff(pointer) < 0):
        raise StoreError(f"{what} has entries out of order")
    return pointer
