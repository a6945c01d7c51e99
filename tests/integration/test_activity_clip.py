"""A real activity clip through the real daemon: hands being washed fire nothing.

handwash_thumbs.mp4 (../shared/data/videos/clips) shows two hands washing for 9 s: flat
hands and fists all the time. Before the deliberateness layers it fired open_palm twice
with every built-in pose bound; now it must fire nothing with every pose and movement
bound, and say why not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CLIP = Path("videos") / "clips" / "handwash_thumbs.mp4"


def test_hand_washing_fires_nothing_with_every_gesture_bound(shared_data: Path, landmarker_model: Path) -> None:
    from gestured.commands.eval_videos import all_bound_settings, play_clip

    clip = shared_data / CLIP
    if not clip.is_file():
        pytest.skip(f"{clip} is not in this copy of the shared data")
    settings = all_bound_settings()
    assert len(settings.bindings) == 14  # eight poses, four swipes, two circles
    reasons: list[str] = []
    assert play_clip(clip, settings, offline=True, on_blocked=reasons.append) == []
    # The flat hands were seen and held back: some of them because they were moving.
    assert any(reason.startswith("open_palm: moving") for reason in reasons)
