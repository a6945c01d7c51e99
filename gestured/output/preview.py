"""The `--show` window: the frame with each hand's skeleton, its gesture and confidence,
and what fired (and, in a dry run, that nothing is pressed). Opened only when asked;
needs a display. Sized for reading (`display_size`), without OpenCV's Qt toolbar; at the
end of a file it stays open until a key is pressed or it is closed.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from gestured.capture.frames import Frame
from gestured.errors import GesturedError
from gestured.recognition.hand import Hand
from gestured.runtime.debounce import Blocked, Observation
from gestured.runtime.events import GestureEvent

WINDOW = "gestured"
FIRED_SHOWN_FOR = 1.5  # seconds a fired action stays on screen (frame time)
# Bones between keypoints in the canonical 21-point order (wrist, then 4 per finger).
BONES = tuple(
    (0 if joint == 0 else base + joint - 1, base + joint)
    for base in (1, 5, 9, 13, 17)
    for joint in range(4)
) + ((5, 9), (9, 13), (13, 17))
GREEN, YELLOW, WHITE, RED = (80, 220, 80), (0, 220, 255), (255, 255, 255), (60, 60, 230)
# The window's largest size: frames (640x480 at most, as cameras are asked for) are
# shown larger, aspect kept, so a 720p video's 640x360 opens at 960x540.
SHOW_WITHIN = (960, 720)
DRY_RUN_BANNER = "DRY RUN: nothing is pressed or run"


def display_size(width: int, height: int, within: tuple[int, int] = SHOW_WITHIN) -> tuple[int, int]:
    """The window size for a width x height frame: scaled to fill `within`, aspect kept."""
    scale = min(within[0] / width, within[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def draw_overlay(image: np.ndarray, hands: Sequence[Hand], observations: Sequence[Observation],
                 fired: Sequence[str], blocked: Sequence[Blocked] = (), banner: str | None = None) -> np.ndarray:
    """A copy of `image` with skeletons, per-hand labels, why a visible gesture does not fire
    (under its label), the recently fired lines and `banner` (at the bottom) drawn on."""
    import cv2

    canvas = image.copy()
    for hand, observation in zip(hands, observations):
        points = [tuple(int(value) for value in point) for point in hand.keypoints]
        for start, end in BONES:
            cv2.line(canvas, points[start], points[end], GREEN, 2, cv2.LINE_AA)
        for point in points:
            cv2.circle(canvas, point, 3, YELLOW, -1, cv2.LINE_AA)
        x0, y0, _, _ = hand.box
        label = f"{observation.hand} {observation.gesture} {observation.confidence:.2f}"
        cv2.putText(canvas, label, (int(x0), max(20, int(y0) - 10)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.6, YELLOW, 2, cv2.LINE_AA)
        reasons = [item.reason for item in blocked
                   if item.gesture == observation.gesture and item.hand == observation.hand]
        if reasons:
            cv2.putText(canvas, reasons[0], (int(x0), max(40, int(y0) + 12)), cv2.FONT_HERSHEY_SIMPLEX,
                        0.5, WHITE, 1, cv2.LINE_AA)
    for line_number, line in enumerate(fired):
        cv2.putText(canvas, line, (10, 30 + 28 * line_number), cv2.FONT_HERSHEY_SIMPLEX,
                    0.7, WHITE, 2, cv2.LINE_AA)
    if banner:
        cv2.putText(canvas, banner, (10, canvas.shape[0] - 12), cv2.FONT_HERSHEY_SIMPLEX, 0.6, RED, 2, cv2.LINE_AA)
    return canvas


class PreviewWindow:
    """An OpenCV window; `show` returns False once the user pressed q or Esc or closed it.

    dry_run: say so on every frame and in the title. Raises GesturedError at
    construction when there is no display to open it on.
    """

    def __init__(self, dry_run: bool = False) -> None:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise GesturedError("--show needs a display (DISPLAY or WAYLAND_DISPLAY is not set): drop --show")
        import cv2

        self._cv2: Any = cv2
        self._fired: list[tuple[float, str]] = []
        self._banner = DRY_RUN_BANNER if dry_run else None
        self._last: np.ndarray | None = None
        self._sized = False
        try:
            # GUI_NORMAL: no Qt toolbar or status bar; NORMAL: resizable, so it can be sized.
            cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
            cv2.setWindowTitle(WINDOW, "gestured (dry run)" if dry_run else "gestured")
        except cv2.error as error:
            raise GesturedError(f"--show cannot open a window ({error}): drop --show") from error

    def show(self, frame: Frame, hands: Sequence[Hand], observations: Sequence[Observation],
             events: Sequence[GestureEvent], blocked: Sequence[Blocked] = ()) -> bool:
        for event in events:
            self._fired.append((frame.timestamp, f"{event.gesture} -> {event.outcome_text()}"))
        self._fired = [(t, line) for t, line in self._fired if frame.timestamp - t < FIRED_SHOWN_FOR]
        canvas = draw_overlay(frame.image, hands, observations, [line for _, line in self._fired], blocked,
                              self._banner)
        if not self._sized:
            self._cv2.resizeWindow(WINDOW, *display_size(canvas.shape[1], canvas.shape[0]))
            self._sized = True
        self._last = canvas
        self._cv2.imshow(WINDOW, canvas)
        key = self._cv2.waitKey(1) & 0xFF
        return key not in (ord("q"), 27) and self._visible()

    def _visible(self) -> bool:
        return bool(self._cv2.getWindowProperty(WINDOW, self._cv2.WND_PROP_VISIBLE) >= 1)

    def end(self, message: str) -> None:
        """The source ended: show `message` on the last frame until a key is pressed or the
        window is closed."""
        if self._last is None or not self._visible():
            return
        canvas = self._last.copy()
        self._cv2.putText(canvas, message, (10, canvas.shape[0] - 40), self._cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                          YELLOW, 2, self._cv2.LINE_AA)
        self._cv2.imshow(WINDOW, canvas)
        while self._cv2.waitKey(100) == -1 and self._visible():
            pass

    def close(self) -> None:
        self._cv2.destroyAllWindows()
