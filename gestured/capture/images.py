"""Decoding image files whose size is not known in advance (folders, eval sets).

A PNG of 876 KB can hold 30000x30000 pixels: decoding it takes gigabytes and crashed
MediaPipe. `read_image` reads the dimensions from the file's header first (Pillow parses
the header without decoding), decodes a JPEG above `MAX_IMAGE_PIXELS` at 1/2, 1/4 or
1/8 scale (libjpeg scales while decoding, cheaply), and refuses anything else above it.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

MAX_IMAGE_PIXELS = 40_000_000  # 40 MP: a 7300x5500 photo; a camera frame is 0.3 MP
_REDUCED = (2, 4, 8)


def image_size(path: str | Path) -> tuple[int, int, str]:
    """(width, height, format) from the file's header. Raises ValueError saying why when it
    is not an image Pillow can identify, or one too large even for Pillow to open."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                return image.size[0], image.size[1], str(image.format)
    except Image.DecompressionBombError as error:
        raise ValueError(f"far more than the {MAX_IMAGE_PIXELS // 1_000_000} MP gestured reads ({error})") from None
    except (OSError, UnidentifiedImageError) as error:
        raise ValueError(f"not an image that can be read ({error})") from None


def read_image(path: str | Path, max_pixels: int = MAX_IMAGE_PIXELS) -> np.ndarray | None:
    """The BGR image at `path`, at most `max_pixels` large (a big JPEG is decoded at a
    reduced scale); None, with a warning saying why, when it is unreadable or too large."""
    import cv2

    try:
        width, height, kind = image_size(path)
    except ValueError as error:
        logger.warning("skipping %s: %s", path, error)
        return None
    flag = cv2.IMREAD_COLOR
    if width * height > max_pixels:
        factor = next((factor for factor in _REDUCED if width * height / factor**2 <= max_pixels), None)
        if factor is None or kind != "JPEG":
            logger.warning("skipping %s: %dx%d pixels is more than the %d MP gestured reads; shrink it",
                           path, width, height, max_pixels // 1_000_000)
            return None
        flag = getattr(cv2, f"IMREAD_REDUCED_COLOR_{factor}")
    image = cv2.imread(str(path), flag)
    if image is None:
        logger.warning("skipping unreadable image %s", path)
    return image
