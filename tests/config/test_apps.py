"""apps: and motion options in gestures.yaml: parsing, every rejection with a bad file on
disk, and which bindings apply for a focused application (gestured/config/apps.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gestured.config import load_settings
from gestured.config.apps import bindings_for, matching_app
from gestured.config.settings import KeyAction, Motion
from gestured.output.focus import FocusedApp
from tests.config.test_config import problems_of, write_config

GOOD = """
bindings:
  thumbs_up: {key: play_pause}
  swipe_left: {key: next_track, distance: 2.5}
  circle_cw: {key: volume_up, hand: right}
apps:
  - match: {class: "libreoffice-*"}
    bindings:
      swipe_left: {key: right}
      thumbs_up: {key: f5}
  - match: {class_regex: "^(mpv|vlc)$"}
    bindings:
      thumbs_up: {key: space}
"""


def keys(bindings: tuple, gesture: str) -> tuple[str, ...]:  # type: ignore[type-arg]
    action = next(binding.action for binding in bindings if binding.gesture == gesture)
    assert isinstance(action, KeyAction)
    return action.keys


def test_movements_and_apps_load(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, GOOD))
    swipe = next(binding for binding in settings.bindings if binding.gesture == "swipe_left")
    assert swipe.motion == Motion(distance=2.5, duration=0.6) and swipe.hold == 0.0
    circle = next(binding for binding in settings.bindings if binding.gesture == "circle_cw")
    assert circle.motion == Motion(distance=0.6, duration=2.0) and circle.hand == "right"
    assert [(app.pattern, app.regex) for app in settings.apps] == [("libreoffice-*", False), ("^(mpv|vlc)$", True)]


@pytest.mark.parametrize(("app", "thumbs_up", "swipe_left"), [
    (FocusedApp("libreoffice-impress", "libreoffice"), ("f5",), ("right",)),
    (FocusedApp("LibreOffice-Writer"), ("f5",), ("right",)),  # case is ignored
    (FocusedApp("mpv"), ("space",), ("next_track",)),  # not overridden: global
    (FocusedApp("mpvx"), ("play_pause",), ("next_track",)),  # the regex is anchored by the user
    (FocusedApp("Navigator", "libreoffice-calc"), ("f5",), ("right",)),  # the instance name counts too
    (None, ("play_pause",), ("next_track",)),  # unknown: global bindings
])
def test_the_focused_app_picks_its_bindings(tmp_path: Path, app: FocusedApp | None,
                                            thumbs_up: tuple[str, ...], swipe_left: tuple[str, ...]) -> None:
    settings = load_settings(write_config(tmp_path, GOOD))
    bindings = bindings_for(settings, app)
    assert keys(bindings, "thumbs_up") == thumbs_up
    assert keys(bindings, "swipe_left") == swipe_left
    assert keys(bindings, "circle_cw") == ("volume_up",)  # global bindings the app doesn't name stay
    assert len(bindings) == 3


def test_the_first_matching_entry_wins(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, """
        bindings: {}
        apps:
          - match: {class: "*"}
            bindings: {ok: {key: a}}
          - match: {class: "mpv"}
            bindings: {ok: {key: b}}
        """))
    assert matching_app(settings, FocusedApp("mpv")) is settings.apps[0]


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("""
        bindings:
          swipe_left: {key: a, hold: 0.3}
        """, ["2: bindings.swipe_left.hold: only applies to held poses; 'swipe_left' is a movement "
              "(it takes distance and duration)"], id="hold-on-a-movement"),
    pytest.param("""
        bindings:
          fist: {key: a, distance: 2}
        """, ["2: bindings.fist.distance: only applies to movements (swipe_*, circle_*); 'fist' is a held pose"],
        id="distance-on-a-pose"),
    pytest.param("""
        bindings:
          circle_cw: {key: a, duration: 0}
        """, ["2: bindings.circle_cw.duration: must be more than 0, not 0"], id="zero-duration"),
    pytest.param("""
        apps:
          - match: {class: "mpv"}
            bindings:
              swipe_sideways: {key: a}
        """, ["4: apps[0].bindings.swipe_sideways: unknown gesture 'swipe_sideways' (did you mean 'swipe_down'?)"],
        id="unknown-gesture-in-app"),
    pytest.param("""
        apps:
          - match: {class_regex: "vlc|mpv("}
            bindings: {ok: {key: a}}
        """, ["2: apps[0].match.class_regex: is not a valid regular expression: "
              "missing ), unterminated subpattern at position 7"], id="bad-regex"),
    pytest.param("""
        apps:
          - match: {class: a, class_regex: b}
            bindings: {ok: {key: a}}
        """, ["2: apps[0].match: give exactly one of class (a glob) or class_regex"], id="two-matches"),
    pytest.param("""
        apps:
          - match: {klass: mpv}
            bindings: {ok: {key: a}}
        """, ["2: apps[0].match: give exactly one of class (a glob) or class_regex",
              "2: apps[0].match.klass: unknown setting (did you mean 'class'?)"], id="misspelt-match"),
    pytest.param("""
        apps:
          - bindings: {ok: {key: a}}
        """, ["2: apps[0].match: is required"], id="no-match"),
    pytest.param("""
        apps:
          - match: {class: mpv}
            bindings: {ok: {key: a, hld: 1}}
        """, ["3: apps[0].bindings.ok.hld: unknown setting (did you mean 'hold'?)"], id="bad-binding-option-in-app"),
    pytest.param("""
        apps:
          match: {class: mpv}
        """, ["1: apps: must be a list, not a mapping"], id="apps-not-a-list"),
])
def test_each_bad_apps_or_motion_file_gives_its_exact_problem(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = write_config(tmp_path, text)
    assert problems_of(path) == [f"{path}:{line}" for line in expected]
