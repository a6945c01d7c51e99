"""gestured.training.clipeval: labels files on disk and the scoring of fires against them."""

from __future__ import annotations

from pathlib import Path

import pytest

from gestured.errors import GesturedError
from gestured.training.clipeval import FiredGesture, read_labels, score_clip, summarise

HEADER = "file\tkind\tgesture\tfrom_s\tto_s\tduration_s\tnote\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "labels.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_spans_are_grouped_per_clip_with_durations(tmp_path: Path) -> None:
    clips = read_labels(write(tmp_path, HEADER
                              + "a.mp4\theld\tthumbs_up\t1.0\t2.0\t10\tx\n"
                              + "\n"
                              + "a.mp4\theld\tfist\t5\t6\t10\t\n"
                              + "b.gif\tactivity\tnone\t0\t4.5\t\t\n"))
    assert [clip.file for clip in clips] == ["a.mp4", "b.gif"]
    assert [span.gesture for span in clips[0].held] == ["thumbs_up", "fist"]
    assert clips[0].duration == 10.0
    assert clips[1].duration == 4.5 and clips[1].held == ()


@pytest.mark.parametrize("text, message", [
    ("file\tkind\tfrom_s\n", "labels.tsv:1: the header lacks column(s) gesture, to_s"),
    (HEADER + "a.mp4\twaving\tnone\t0\t1\t1\t\n", "labels.tsv:2: kind 'waving' is not one of activity, held"),
    (HEADER + "a.mp4\tactivity\tnone\t0\tlong\t1\t\n", "labels.tsv:2: from_s and to_s must be numbers"),
    (HEADER + "a.mp4\tactivity\tnone\t3\t1\t1\t\n", "labels.tsv:2: the span 3.0 - 1.0 s must start"),
    (HEADER + "a.mp4\theld\tnone\t0\t1\t1\t\n", "labels.tsv:2: a held span names the gesture held"),
    (HEADER + "a.mp4\tactivity\tnone\t0\t1\tx\t\n", "labels.tsv:2: duration_s must be a number"),
    ("", "labels.tsv:1: empty labels file"),
])
def test_bad_labels_files_say_where_and_what(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(GesturedError) as error:
        read_labels(write(tmp_path, text))
    assert message in str(error.value)


def test_a_missing_labels_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(GesturedError, match="cannot read labels file"):
        read_labels(tmp_path / "absent.tsv")


def test_fires_in_held_spans_hit_and_everything_else_is_false(tmp_path: Path) -> None:
    clip = read_labels(write(tmp_path, HEADER + "a.mp4\theld\tthumbs_up\t2\t4\t10\t\n"
                             + "a.mp4\theld\tfist\t6\t8\t10\t\n"))[0]
    fires = [
        FiredGesture("thumbs_up", 2.3),  # hit, 0.3 s after the span starts
        FiredGesture("thumbs_up", 3.0),  # a second fire in the same span: false
        FiredGesture("thumbs_up", 3.5, repeat=True),  # a repeat while held: fine
        FiredGesture("open_palm", 6.5),  # the wrong gesture in a span: false
        FiredGesture("thumbs_up", 9.0),  # outside every span: false
    ]
    score = score_clip(clip, fires, clip.duration)
    assert [(fire.gesture, fire.t) for fire in score.false_fires] == [
        ("thumbs_up", 3.0), ("open_palm", 6.5), ("thumbs_up", 9.0)]
    assert [(span.gesture, latency) for span, latency in score.hits] == [
        ("thumbs_up", pytest.approx(0.3)), ("fist", None)]
    assert score.activity_seconds == pytest.approx(10 - 2 - 2)  # the rest of the clip


def test_summary_has_the_totals_and_per_clip_figures(tmp_path: Path) -> None:
    clips = read_labels(write(tmp_path, HEADER + "a.mp4\theld\tthumbs_up\t0\t2\t2\t\n"
                              + "b.mp4\tactivity\tnone\t0\t30\t30\t\n"))
    scores = [score_clip(clips[0], [FiredGesture("thumbs_up", 0.5, held=0.27)], 2.0),
              score_clip(clips[1], [FiredGesture("fist", 4.0), FiredGesture("fist", 9.0)], 30.0)]
    report = summarise(scores, {"thumbs_up": 0.25})
    assert report["false_fires"] == 2
    assert report["activity_minutes"] == pytest.approx(0.5)
    assert report["false_fires_per_minute"] == pytest.approx(4.0)
    assert report["false_fires_by_gesture"] == {"fist": 2}
    assert (report["held_hit"], report["held_total"]) == (1, 1)
    assert report["held_on_time"] == 0  # 0.5 s > hold 0.25 + 0.15
    assert report["held_on_time_from_hold"] == 1  # held 0.27 s from its first still frame <= 0.4
    assert report["per_clip"]["b.mp4"]["false_fires"] == 2
    held = report["per_clip"]["a.mp4"]["held"][0]
    assert held["hit"] and held["latency_s"] == 0.5 and held["budget_s"] == 0.4 and not held["on_time"]
    assert held["held_s"] == 0.27
