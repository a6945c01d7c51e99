"""The key vocabulary and the combination parser (gestured/output/keynames.py)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from gestured.errors import GesturedError
from gestured.output.keynames import (
    ALIASES,
    CHARACTERS,
    KEY_NAMES,
    MEDIA_KEYS,
    MODIFIERS,
    PYNPUT_KEYS,
    InvalidComboError,
    UnknownKeyError,
    format_combo,
    normalize_key,
    parse_combo,
)


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("ctrl+alt+t", ("ctrl", "alt", "t")),
        ("alt+ctrl+t", ("ctrl", "alt", "t")),  # modifiers in canonical order
        ("Control+Shift+K", ("ctrl", "shift", "k")),
        ("win+e", ("super", "e")),
        ("cmd+space", ("super", "space")),
        ("meta+Page-Up", ("super", "page_up")),
        (" ctrl + escape ", ("ctrl", "esc")),
        ("play_pause", ("play_pause",)),
        ("playpause", ("play_pause",)),
        ("next", ("next_track",)),
        ("prev", ("previous_track",)),
        ("volume-up", ("volume_up",)),
        ("volume_mute", ("mute",)),
        ("F20", ("f20",)),
        ("ctrl+plus", ("ctrl", "plus")),
        ("shift+1", ("shift", "1")),
        ("super", ("super",)),  # a lone modifier is a key press of its own
        ("print", ("print_screen",)),
    ],
)
def test_parse_combo_returns_canonical_names(text: str, keys: tuple[str, ...]) -> None:
    assert parse_combo(text) == keys


@pytest.mark.parametrize(
    ("text", "name", "suggestion"),
    [
        ("ctrll+t", "ctrll", "ctrl"),
        ("ctrl+alt+entr", "entr", "enter"),
        ("play_pase", "play_pase", "play_pause"),
        ("volume_upp", "volume_upp", "volume_up"),
        ("ctrl+qwertyuiop", "qwertyuiop", None),
    ],
)
def test_unknown_names_raise_with_a_suggestion(text: str, name: str, suggestion: str | None) -> None:
    with pytest.raises(UnknownKeyError) as caught:
        parse_combo(text)
    assert caught.value.name == name
    assert caught.value.suggestion == suggestion
    hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
    assert str(caught.value) == f"unknown key {name!r}{hint}"
    assert isinstance(caught.value, GesturedError)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ctrl+", "empty key name in 'ctrl+': join keys with '+', e.g. 'ctrl+alt+t'"),
        ("", "empty key name in '': join keys with '+', e.g. 'ctrl+alt+t'"),
        ("ctrl+a+b", "'ctrl+a+b' has 2 keys (a, b): a combination is modifiers and one key"),
        ("ctrl+alt", "'ctrl+alt' has only modifiers: add the key to press, e.g. 'ctrl+alt+t'"),
        ("ctrl+control+t", "key 'ctrl' appears twice in 'ctrl+control+t'"),
    ],
)
def test_malformed_combinations_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidComboError) as caught:
        parse_combo(text)
    assert str(caught.value) == message
    assert not isinstance(caught.value, UnknownKeyError)


def test_function_keys_past_f20_are_not_offered() -> None:
    with pytest.raises(UnknownKeyError) as caught:
        parse_combo("ctrl+F21")  # pynput's Key stops at f20; 'f2' would be a wrong hint
    assert caught.value.suggestion is None
    assert str(caught.value) == "unknown key 'F21': function keys go from f1 to f20"


def test_format_combo_inverts_parse_combo() -> None:
    for text in ("ctrl+alt+t", "super", "shift+f5", "volume_down"):
        assert format_combo(parse_combo(text)) == text


def test_vocabulary_is_consistent() -> None:
    assert set(MODIFIERS) <= KEY_NAMES and MEDIA_KEYS <= KEY_NAMES
    assert KEY_NAMES == set(CHARACTERS) | set(PYNPUT_KEYS)
    assert not set(CHARACTERS) & set(PYNPUT_KEYS)
    assert all(target in KEY_NAMES for target in ALIASES.values())
    assert not set(ALIASES) & KEY_NAMES  # an alias never shadows a canonical name
    assert all(normalize_key(name) == name for name in KEY_NAMES)


def pynput_key_members() -> set[str]:
    """Member names of pynput.keyboard.Key, read from pynput's source without importing it
    (importing pynput opens an X display)."""
    spec = importlib.util.find_spec("pynput")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pynput is not installed")
    source = Path(list(spec.submodule_search_locations)[0]) / "keyboard" / "_base.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    key_class = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Key")
    return {target.id for node in key_class.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)}


def test_every_non_character_key_is_a_pynput_key_member() -> None:
    members = pynput_key_members()
    assert "media_play_pause" in members  # the parse found the real class
    missing = {name: attribute for name, attribute in PYNPUT_KEYS.items() if attribute not in members}
    assert missing == {}
