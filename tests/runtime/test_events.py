"""gestured.runtime.events: the JSON line and the readable line of a fired gesture."""

from __future__ import annotations

import io
import json

import pytest

from gestured.runtime.events import GestureEvent, event_writer

EVENT = GestureEvent(gesture="thumbs_up", confidence=0.973456, hand="right", t=12.345678, frame=203,
                     action="key play_pause", executed=True, held=0.26666)


def test_json_line_has_the_documented_fields() -> None:
    line = EVENT.to_json()
    assert "\n" not in line
    assert json.loads(line) == {"gesture": "thumbs_up", "confidence": 0.9735, "hand": "right", "t": 12.3457,
                                "frame": 203, "action": "key play_pause", "executed": True, "held": 0.2667,
                                "repeat": False, "app": None, "reason": None}
    no_action = GestureEvent("ok", 0.8, "left", 1.0, 3, None, False)
    assert json.loads(no_action.to_json())["action"] is None


def test_readable_lines_say_what_happened() -> None:
    assert EVENT.to_text() == "  12.35s frame 203: thumbs_up (right, 0.97) -> pressed play_pause"
    dry = GestureEvent("fist", 0.9, "left", 1.5, 45, "key volume_down", False, repeat=True, reason="dry_run")
    assert dry.to_text() == "   1.50s frame 45: fist [repeat] (left, 0.90) -> dry run: would press volume_down"
    in_app = GestureEvent("swipe_left", 1.0, "right", 2.0, 60, "key right", True, app="libreoffice-impress")
    assert in_app.to_text() == "   2.00s frame 60: swipe_left (right, 1.00) -> pressed right in libreoffice-impress"
    assert json.loads(in_app.to_json())["app"] == "libreoffice-impress"
    outcomes = {
        ("shell notify-send hi", True, None): "started notify-send hi",
        ("shell notify-send hi", False, "not_found"): "did not start notify-send hi (not_found)",
        ("type 'hello'", True, None): "typed 'hello'",
        ("key play_pause", False, "no_display"): "did not press play_pause (no_display)",
        ("key play_pause", False, "queue_full"): "did not press play_pause (queue_full)",
    }
    for (action, executed, reason), text in outcomes.items():
        assert GestureEvent("ok", 0.9, "left", 1.0, 3, action, executed, reason=reason).outcome_text() == text


def test_readme_lists_every_json_field() -> None:
    import dataclasses
    import re

    from tests.conftest import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `--json`"))
    listed = re.findall(r"`(\w+)`", row.split("|")[2])
    assert {field.name for field in dataclasses.fields(GestureEvent)} <= set(listed)


def test_writer_writes_one_line_per_event() -> None:
    stream = io.StringIO()
    write_json, write_text = event_writer(True, stream), event_writer(False, stream)
    write_json(EVENT)
    write_text(EVENT)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["frame"] == 203 and lines[1] == EVENT.to_text()


def test_a_closed_stdout_stops_the_events_not_the_daemon(caplog: pytest.LogCaptureFixture) -> None:
    class ClosedPipe(io.StringIO):
        writes = 0

        def write(self, text: str) -> int:
            ClosedPipe.writes += 1
            raise BrokenPipeError(32, "Broken pipe")

    write = event_writer(True, ClosedPipe())
    event = GestureEvent(gesture="fist", confidence=0.9, hand="right", t=1.0, frame=3,
                         action="key mute", executed=False)
    write(event)
    write(event)
    assert ClosedPipe.writes == 1
    assert "cannot print events (Broken pipe): no more events are printed (actions still run)" in caplog.text
