"""The `--show` window: the frame with each hand's skeleton, its gesture and confidence,
and what fired. Opened only when asked; needs a display.
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
GREEN, YELLOW, WHITE = (80, 220, 80), (0, 220, 255), (255, 255, 255)


def draw_overlay(image: np.ndarray, hands: Sequence[Hand], observations: Sequence[Observation],
                 fired: Sequence[str], blocked: Sequence[Blocked] = ()) -> np.ndarray:
    """A copy of `image` with skeletons, per-hand labels, why a visible gesture does not fire
    (under its label) and the recently fired lines drawn on."""
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
    return canvas


class PreviewWindow:
    """An OpenCV window; `show` returns False once the user pressed q or Esc.

    Raises GesturedError at construction when there is no display to open it on.
    """

    def __init__(self) -> None:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise GesturedError("--show needs a display (DISPLAY or WAYLAND_DISPLAY is not set): drop --show")
        import cv2

        self._cv2: Any = cv2
        self._fired: list[tuple[float, str]] = []
        try:
            cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL)
        except cv2.error as error:
            raise GesturedError(f"--show cannot open a window ({error}): drop --show") from error

    def show(self, frame: Frame, hands: Sequence[Hand], observations: Sequence[Observation],
             events: Sequence[GestureEvent], blocked: Sequence[Blocked] = ()) -> bool:
        for event in events:
            self._fired.append((frame.timestamp, f"{event.gesture} -> {event.action}"))
        self._fired = [(t, line) for t, line in self._fired if frame.timestamp - t < FIRED_SHOWN_FOR]
        canvas = draw_overlay(frame.image, hands, observations, [line for _, line in self._fired], blocked)
        self._cv2.imshow(WINDOW, canvas)
        key = self._cv2.waitKey(1) & 0xFF
        return key not in (ord("q"), 27)

    def close(self) -> None:
        self._cv2.destroyAllWindows()
