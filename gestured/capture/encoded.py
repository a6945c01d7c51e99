"""A camera frame as the camera delivered it, decoded only as far as the caller needs.

A V4L2 camera asked for MJPG hands over JPEG bytes, one asked for YUYV packed 4:2:2
pixels (OpenCV with `CAP_PROP_CONVERT_RGB` off gives them as they are: a 1 x N byte row
for MJPG, an H x W x 2 array for YUYV). Decoding them to a full colour picture is most of
a still scene's cost, and the idle gate only needs a small grey picture:

- MJPG: libjpeg decodes straight to 1/2, 1/4 or 1/8 scale in grey (`IMREAD_REDUCED_
  GRAYSCALE_*`), skipping the colour planes and most of the inverse DCT: 0.57 ms of CPU
  for a 640x360 frame at 1/8 against 1.57 ms for the full colour decode (measured on
  demo.mp4's frames re-encoded at quality 85, benchmarks/README.md);
- YUYV: the luma plane is every other byte, subsampled without any conversion;
- BGR (a camera OpenCV already decoded, a video file): the green channel subsampled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

EncodedFormat = Literal["mjpg", "yuyv", "bgr"]
_REDUCTIONS = (8, 4, 2)  # the scales libjpeg decodes to directly


class DecodeError(ValueError):
    """The camera's data could not be decoded (a torn or empty JPEG, a wrong-sized buffer)."""


@dataclass(frozen=True, eq=False)
class EncodedImage:
    """One frame's data as delivered: `data` is JPEG bytes (mjpg), packed H x W x 2 (yuyv)
    or an H x W x 3 picture (bgr); `size` = (width, height) of the picture it holds."""

    data: np.ndarray
    format: EncodedFormat
    size: tuple[int, int]

    @classmethod
    def from_capture(cls, data: np.ndarray) -> "EncodedImage":
        """What `retrieve()` gave, by OpenCV's shapes: a 1 x N byte row is MJPG, H x W x 2 is
        YUYV, H x W x 3 (or H x W grey) a decoded picture. Raises DecodeError."""
        if data.ndim == 2 and data.shape[0] == 1:
            return cls(data, "mjpg", jpeg_size(data))
        if data.ndim == 3 and data.shape[2] == 2:
            return cls(data, "yuyv", (data.shape[1], data.shape[0]))
        if data.ndim in (2, 3):
            return cls(data, "bgr", (data.shape[1], data.shape[0]))
        raise DecodeError(f"a camera frame of shape {data.shape} is neither MJPG, YUYV nor a picture")

    def bgr(self) -> np.ndarray:
        """The full-size H x W x 3 uint8 BGR picture; raises DecodeError."""
        import cv2

        if self.format == "bgr":
            return self.data
        if self.format == "yuyv":
            self._check_yuyv()
            return cv2.cvtColor(self.data, cv2.COLOR_YUV2BGR_YUYV)
        image = cv2.imdecode(self._jpeg_bytes(), cv2.IMREAD_COLOR)
        if image is None:
            raise DecodeError(f"a {self.size[0]}x{self.size[1]} MJPG frame did not decode")
        return image

    def grey(self, thumbnail_width: int) -> np.ndarray:
        """A small uint8 grey picture to area-average down to `thumbnail_width`, made with as
        little work as the format allows: a JPEG decoded at the smallest scale still that wide
        (each pixel then averages a block, as area averaging would), other formats subsampled
        to about four times that width. Raises DecodeError."""
        width = self.size[0]
        if self.format == "mjpg":
            return self._reduced_jpeg(width, thumbnail_width)
        step = max(1, width // (4 * max(1, thumbnail_width)))
        if self.format == "yuyv":
            self._check_yuyv()
            return self.data[::step, ::step, 0]
        picture = self.data
        return picture[::step, ::step, 1] if picture.ndim == 3 else picture[::step, ::step]

    def _reduced_jpeg(self, width: int, min_width: int) -> np.ndarray:
        import cv2

        flags = {8: cv2.IMREAD_REDUCED_GRAYSCALE_8, 4: cv2.IMREAD_REDUCED_GRAYSCALE_4,
                 2: cv2.IMREAD_REDUCED_GRAYSCALE_2}
        flag = next((flags[factor] for factor in _REDUCTIONS if width // factor >= min_width),
                    cv2.IMREAD_GRAYSCALE)
        image = cv2.imdecode(self._jpeg_bytes(), flag)
        if image is None:
            raise DecodeError(f"a {self.size[0]}x{self.size[1]} MJPG frame did not decode")
        return image

    def _jpeg_bytes(self) -> np.ndarray:
        data = self.data.reshape(-1)
        if data.dtype != np.uint8 or data.size < 4:
            raise DecodeError(f"an MJPG frame of {data.size} bytes is too short to be a JPEG")
        return data

    def _check_yuyv(self) -> None:
        width, height = self.size
        if self.data.shape != (height, width, 2) or self.data.dtype != np.uint8:
            raise DecodeError(f"a YUYV frame of shape {self.data.shape} is not {width}x{height}x2 bytes")


_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # start of frame; not DHT, JPG, DAC


def jpeg_size(data: np.ndarray) -> tuple[int, int]:
    """(width, height) from a JPEG's start-of-frame header; raises DecodeError when there is none."""
    header = bytes(data.reshape(-1)[:65536])
    if header[:2] != b"\xff\xd8":
        raise DecodeError("an MJPG frame does not start with a JPEG header")
    offset = 2
    while offset + 9 <= len(header):
        if header[offset] != 0xFF:
            break
        marker = header[offset + 1]
        if marker in _SOF_MARKERS:
            height = int.from_bytes(header[offset + 5:offset + 7], "big")
            width = int.from_bytes(header[offset + 7:offset + 9], "big")
            return width, height
        offset += 2 + int.from_bytes(header[offset + 2:offset + 4], "big")
    raise DecodeError("an MJPG frame has no JPEG frame header")
