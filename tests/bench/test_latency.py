"""gestured.bench.latency: the first held frame and the fire latency against a scripted reference."""

from __future__ import annotations

import pytest

from gestured.bench.latency import fire_latency_ms, first_held_frame
from gestured.runtime.debounce import Observation

UP = Observation("thumbs_up", 0.95)
DOWN = Observation("thumbs_down", 0.9)
WEAK_UP = Observation("thumbs_up", 0.5)


def test_first_held_frame_is_the_start_of_the_last_run_before_the_fire() -> None:
    reference = [None, UP, UP, WEAK_UP, UP, UP, UP, DOWN, DOWN, DOWN]
    assert first_held_frame(reference, "thumbs_up", 0.7, before=6) == 4  # 3 is under the threshold
    assert first_held_frame(reference, "thumbs_up", 0.4, before=6) == 1
    assert first_held_frame(reference, "thumbs_down", 0.7, before=9) == 7
    assert first_held_frame(reference, "thumbs_down", 0.7, before=5) is None
    assert first_held_frame(reference, "thumbs_up", 0.7, before=99) == 4  # past the end: the last run


def test_fire_latency_counts_from_the_first_held_frame_to_the_emitted_fire() -> None:
    reference = [None, None] + [UP] * 10
    # Held from frame 2 (0.2 s at 10 fps); the fire was emitted 0.47 s after the clip began.
    assert fire_latency_ms("thumbs_up", 0.47, reference, fps=10.0, threshold=0.7) == pytest.approx(270.0)
    assert fire_latency_ms("fist", 0.47, reference, fps=10.0, threshold=0.7) is None
