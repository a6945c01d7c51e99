"""measure_openpose on the tiny net: both ways are timed in one run and compared."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gestured.bench.openpose import measure_openpose
from tests.recognition.test_openpose import HAND_BOX, FixedRegions, blob_frame, tiny_net  # noqa: F401 (fixture)


class StepClock:
    """Each reading is `step` seconds after the last: every timed call lasts one step."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_both_ways_are_timed_and_compared(tiny_net: tuple[Path, Path]) -> None:  # noqa: F811
    frames = [blob_frame() for _ in range(6)]
    prototxt, weights = tiny_net
    result = measure_openpose(
        frames, prototxt, weights, region=FixedRegions(HAND_BOX), stage=1, prototype_frames=2,
        clock=StepClock(0.01),
    )
    assert result["prototype"] == {
        "input_size": 368, "stage": 6, "frames": 2, "ms_per_frame": 10.0, "ms_median": 10.0, "ms_min": 10.0,
    }
    ours = result["ours"]
    assert (ours["frames"], ours["frames_with_hand"], ours["stage"], ours["region"]) == (5, 5, 1, "FixedRegions")
    assert result["prototype_ratio"] == pytest.approx(1.0)
    assert result["frame_size"] == [640, 480]


def test_real_clock_ratio_is_ours_over_the_prototype(tiny_net: tuple[Path, Path]) -> None:  # noqa: F811
    prototxt, weights = tiny_net
    result = measure_openpose([blob_frame()] * 3, prototxt, weights, region=FixedRegions(HAND_BOX), stage=1)
    expected = result["ours"]["ms_per_frame"] / result["prototype"]["ms_per_frame"]
    assert result["prototype_ratio"] == pytest.approx(expected, abs=1e-3)
    assert result["prototype"]["frames"] == 2  # at most one per timed frame


def test_too_few_frames_is_an_error(tiny_net: tuple[Path, Path]) -> None:  # noqa: F811
    with pytest.raises(ValueError, match="2 frames"):
        measure_openpose([np.zeros((10, 10, 3), np.uint8)], *tiny_net)
