"""How late a fire comes after the gesture was first held: `fire_latency_ms` of `gestured bench`.

The reference is the landmarker and classifier on every frame of the clip (the bench's
full-rate pass): the first held frame of a fire of gesture G is the first frame of the
last unbroken run of frames, at or before the fire, in which the reference shows G at the
binding's threshold or more. The latency runs from that frame's media time to the
moment the pipeline emitted the fire (wall time since the clip started playing in real
time), so it holds the hold itself, any frames the pipeline saw late or skipped, and the
processing of the firing frame. Pure.
"""

from __future__ import annotations

from typing import Sequence

from gestured.runtime.debounce import Observation


def first_held_frame(reference: Sequence[Observation | None], gesture: str, threshold: float,
                     before: int) -> int | None:
    """The first frame of the last run showing `gesture` (confidence >= threshold) that starts
    at or before frame `before`; None when there is none."""
    def shows(index: int) -> bool:
        observation = reference[index]
        return observation is not None and observation.gesture == gesture and observation.confidence >= threshold

    index = min(before, len(reference) - 1)
    while index >= 0 and not shows(index):
        index -= 1
    if index < 0:
        return None
    while index > 0 and shows(index - 1):
        index -= 1
    return index


def fire_latency_ms(fire_gesture: str, fire_wall: float, reference: Sequence[Observation | None],
                    fps: float, threshold: float) -> float | None:
    """Milliseconds from the first held frame (by the reference) to a fire emitted `fire_wall`
    seconds after the clip started; None when the reference never showed the gesture."""
    start = first_held_frame(reference, fire_gesture, threshold, int(fire_wall * fps + 1e-6))
    if start is None:
        return None
    return round((fire_wall - start / fps) * 1000.0, 1)
