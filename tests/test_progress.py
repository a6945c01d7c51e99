"""gestured.progress: whole lines with count, total, rate and time left when not on a terminal."""

from __future__ import annotations

import io

import pytest

from gestured.progress import progress


def test_a_log_gets_whole_lines_with_count_total_rate_and_time_left(capsys: pytest.CaptureFixture[str]) -> None:
    stream = io.StringIO()
    with progress(4, "eval", "images", stream=stream, interval=1e-9) as bar:
        for _ in range(4):
            bar.update(1)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("eval: 0/4 images (0%")
    assert lines[-1].startswith("eval: 4/4 images (100%") and "/s" in lines[-1] and " left)" in lines[-1]
    assert len(lines) == len(set(lines))  # the closing repeat is not written twice
    assert "\r" not in stream.getvalue()
    assert capsys.readouterr().out == ""  # nothing on stdout: --json output stays clean


def test_lines_are_spaced_in_time() -> None:
    stream = io.StringIO()
    with progress(1000, "train", "fits", stream=stream, interval=60.0) as bar:
        for _ in range(1000):
            bar.update(1)
    assert len(stream.getvalue().splitlines()) == 2  # the start, then the end
