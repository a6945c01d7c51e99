"""gestured.training.activity: hard-negative `none` samples recorded from activity clips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gestured.training import activity
from tests.fakes import ScriptedBackend, Seen


def write_clip(path: Path, frames: int = 6) -> Path:
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (64, 48))
    for index in range(frames):
        writer.write(np.full((48, 64, 3), index * 20, dtype=np.uint8))
    writer.release()
    return path


def test_every_hand_of_a_clip_becomes_none_once_then_comes_from_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "videos").mkdir()
    write_clip(tmp_path / "videos" / "typing.mp4")
    backends: list[ScriptedBackend] = []

    def factory() -> ScriptedBackend:
        backends.append(ScriptedBackend([Seen("fist"), None, Seen("ok"), Seen("fist"), None, Seen("fist")]))
        return backends[-1]

    samples = activity.activity_samples(tmp_path, factory, clips=("videos/typing.mp4",))  # type: ignore[arg-type]
    assert len(samples) == 4  # the frames with a hand, whatever the pose
    assert set(samples.labels) == {"none"} and set(samples.sources) == {"activity:typing.mp4"}
    assert samples.keypoints.shape == (4, 21, 2) and backends[0].closed
    again = activity.activity_samples(tmp_path, factory, clips=("videos/typing.mp4",))  # type: ignore[arg-type]
    assert len(backends) == 1  # cached by the clip's sha256
    np.testing.assert_array_equal(again.keypoints, samples.keypoints)


def test_training_and_held_out_clips_do_not_overlap() -> None:
    assert not set(activity.TRAINING_CLIPS) & set(activity.HELD_OUT_CLIPS)


def test_a_missing_clip_is_one_line_saying_what_to_pass(tmp_path: Path) -> None:
    from gestured.errors import GesturedError

    with pytest.raises(GesturedError, match=r"typing.mp4 not found: .* \(--shared-data DIR\)"):
        activity.activity_samples(tmp_path, lambda: None, clips=("videos/typing.mp4",))  # type: ignore[arg-type, return-value]
