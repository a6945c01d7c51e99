"""The editor's file side: round-trip edits keep what the user wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from gestured.commands.check import init_config, model_labels
from gestured.config import ConfigError
from gestured.ui.bindings import BindingsFile, ShellNotConfirmed

pytest.importorskip("ruamel.yaml", reason="the ui extra is not installed: pip install '.[ui]'")

FLOW = """\
# my bindings
model: null   # the shipped model
bindings:
  thumbs_up: {key: play_pause}   # music
  fist: {shell: [notify-send, fist], timeout: 5}
"""


def editor(tmp_path: Path, text: str) -> BindingsFile:
    path = tmp_path / "gestures.yaml"
    path.write_text(text)
    path.chmod(0o600)
    return BindingsFile(path, model_labels, init_config)


def test_flow_style_entries_and_inline_comments_survive(tmp_path):
    bindings = editor(tmp_path, FLOW)
    assert bindings.set_binding("thumbs_up", {"action": "key", "value": "f9", "repeat": 0.5},
                                shell_confirmed=False) == []
    expected = FLOW.replace("{key: play_pause}", "{key: f9, repeat: 0.5}")
    # The comment stays on its line; only the spaces before it give way to the longer value.
    assert [" ".join(line.split()) for line in bindings.path.read_text().splitlines()] == \
        [" ".join(line.split()) for line in expected.splitlines()]


def test_the_view_shows_a_shell_list_as_one_line(tmp_path):
    view = editor(tmp_path, FLOW).read()
    assert view["model"] is None
    fist = next(binding for binding in view["bindings"] if binding["gesture"] == "fist")
    assert fist["action"] == "shell" and fist["value"] == "notify-send fist" and fist["timeout"] == 5


def test_changing_the_action_drops_the_old_one_and_its_shell_options(tmp_path):
    bindings = editor(tmp_path, FLOW)
    assert bindings.set_binding("fist", {"action": "type", "value": "hi"}, shell_confirmed=False) == []
    assert "  fist: {type: hi}\n" in bindings.path.read_text()
    with pytest.raises(ShellNotConfirmed):
        bindings.set_binding("fist", {"action": "shell", "value": "ls"}, shell_confirmed=False)


def test_a_file_that_is_not_yaml_is_not_edited(tmp_path):
    bindings = editor(tmp_path, "bindings: [\n")
    with pytest.raises(ConfigError):
        bindings.set_binding("fist", {"action": "key", "value": "a"}, shell_confirmed=False)
    assert bindings.path.read_text() == "bindings: [\n"


def test_model_null_stays_null(tmp_path):
    bindings = editor(tmp_path, FLOW)
    assert bindings.set_model(None) == []
    assert bindings.path.read_text() == FLOW
