"""Reading .npz files that come from users: arrays only, never pickled objects."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def open_npz(path: str | Path) -> np.lib.npyio.NpzFile:
    """The archive at `path`, opened with allow_pickle=False (use it as a context manager).

    Raises ValueError for a file that is not an .npz archive (a lone .npy array, text),
    OSError where it can't be read.
    """
    archive = np.load(path, allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError("not an .npz archive (a single .npy array?)")
    return archive
