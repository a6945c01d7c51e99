"""Reading .npz files that come from users: arrays only, never pickled objects, and the
headers checked before any array is loaded (a 2 MB archive can declare a 2 GiB array)."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


@dataclass(frozen=True)
class ArrayHeader:
    """What an .npy member declares: its shape and dtype (and so its size in bytes)."""

    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize


def npz_headers(path: str | Path) -> dict[str, ArrayHeader]:
    """Every array's header, read without loading any data.

    Raises ValueError when `path` is not an .npz archive, a member is not an .npy array,
    holds Python objects, or its size disagrees with its header; OSError where it can't be read.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ValueError("not an .npz archive (not even a zip file)") from None
    headers: dict[str, ArrayHeader] = {}
    with archive:
        for info in archive.infolist():
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            headers[name] = _member_header(archive, info)
    return headers


def _member_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> ArrayHeader:
    try:
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version not in _HEADER_READERS:
                raise ValueError(f"npy format version {version}")
            shape, _fortran, dtype = _HEADER_READERS[version](member)
            offset = member.tell()
    except (ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"member {info.filename} is not an .npy array ({error})") from None
    header = ArrayHeader(tuple(shape), np.dtype(dtype))
    if header.dtype.hasobject:
        raise ValueError(f"array {info.filename} holds Python objects (pickled data): refused")
    if info.file_size != offset + header.nbytes:
        raise ValueError(f"array {info.filename} declares {header.nbytes} bytes of data "
                         f"but holds {info.file_size - offset}")
    return header


def open_npz(path: str | Path, max_bytes: int | None = None) -> np.lib.npyio.NpzFile:
    """The archive at `path`, opened with allow_pickle=False (use it as a context manager),
    after its headers were checked (npz_headers) and, with `max_bytes`, its arrays' total size.

    Raises ValueError for a file that is not an .npz archive of plain arrays (a lone .npy
    array, text, random bytes) or is too large, OSError where it can't be read.
    """
    headers = npz_headers(path)
    total = sum(header.nbytes for header in headers.values())
    if max_bytes is not None and total > max_bytes:
        raise ValueError(f"its arrays hold {total / 2**20:.0f} MiB, more than the {max_bytes / 2**20:.0f} MiB expected")
    archive = np.load(path, allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError("not an .npz archive (a single .npy array?)")
    return archive
