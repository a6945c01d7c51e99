"""The key names a user may write in gestures.yaml, and the parser for combinations.

Pure vocabulary: nothing here touches a keyboard. A combination is zero or more
modifiers and exactly one other key joined by `+` (`ctrl+alt+t`, `super`, `play_pause`).
Names are case-insensitive; `-` and spaces count as `_`; aliases (`control`, `win`,
`escape`, `next`...) map to one canonical name. A letter means the key, not the
character: `t` and `T` are the same key (write `shift+t` for a capital).

Only keys that pynput can press on every backend are listed: pynput's `Key` has F1-F20
and six media keys (play/pause, next, previous, volume up/down, mute), so F21-F24,
a media stop key and brightness keys are not offered.
"""

from __future__ import annotations

import difflib
import string

from gestured.errors import GesturedError

MODIFIERS: tuple[str, ...] = ("ctrl", "alt", "shift", "super")
MEDIA_KEYS: frozenset[str] = frozenset(
    {"play_pause", "next_track", "previous_track", "volume_up", "volume_down", "mute"}
)
NAMED_KEYS: frozenset[str] = frozenset(
    {
        "enter", "esc", "tab", "space", "backspace", "delete", "insert",
        "home", "end", "page_up", "page_down", "up", "down", "left", "right",
        "caps_lock", "num_lock", "scroll_lock", "print_screen", "pause", "menu",
        "alt_gr",
    }
)
FUNCTION_KEYS: frozenset[str] = frozenset(f"f{number}" for number in range(1, 21))
# Punctuation keys are spelled out: `+` separates keys, and words survive YAML quoting.
PUNCTUATION: dict[str, str] = {
    "minus": "-", "equal": "=", "plus": "+", "comma": ",", "period": ".",
    "slash": "/", "backslash": "\\", "semicolon": ";", "apostrophe": "'",
    "grave": "`", "bracket_left": "[", "bracket_right": "]",
}
# Canonical name -> the character pynput types for it (letters, digits, punctuation).
CHARACTERS: dict[str, str] = {
    **{letter: letter for letter in string.ascii_lowercase},
    **{digit: digit for digit in string.digits},
    **PUNCTUATION,
}
# Canonical name -> the attribute of `pynput.keyboard.Key` that presses it.
PYNPUT_KEYS: dict[str, str] = {
    **{name: name for name in NAMED_KEYS | FUNCTION_KEYS},
    "ctrl": "ctrl", "alt": "alt", "shift": "shift", "super": "cmd",
    "play_pause": "media_play_pause", "next_track": "media_next",
    "previous_track": "media_previous", "volume_up": "media_volume_up",
    "volume_down": "media_volume_down", "mute": "media_volume_mute",
}
KEY_NAMES: frozenset[str] = frozenset(CHARACTERS) | frozenset(PYNPUT_KEYS)

ALIASES: dict[str, str] = {
    "control": "ctrl", "ctl": "ctrl", "lctrl": "ctrl", "rctrl": "ctrl",
    "option": "alt", "opt": "alt", "altgr": "alt_gr",
    "cmd": "super", "command": "super", "win": "super", "windows": "super",
    "meta": "super", "logo": "super", "mod4": "super",
    "return": "enter", "escape": "esc", "del": "delete", "ins": "insert",
    "back_space": "backspace", "bksp": "backspace", "spacebar": "space",
    "pageup": "page_up", "pgup": "page_up", "prior": "page_up",
    "pagedown": "page_down", "pgdn": "page_down",
    "arrow_up": "up", "arrow_down": "down", "arrow_left": "left", "arrow_right": "right",
    "print": "print_screen", "printscreen": "print_screen", "prtsc": "print_screen",
    "capslock": "caps_lock", "numlock": "num_lock", "scrolllock": "scroll_lock",
    "break": "pause", "apps": "menu",
    "playpause": "play_pause", "play": "play_pause", "media_play_pause": "play_pause",
    "next": "next_track", "media_next": "next_track",
    "previous": "previous_track", "prev": "previous_track", "prev_track": "previous_track",
    "media_previous": "previous_track",
    "volumeup": "volume_up", "vol_up": "volume_up", "media_volume_up": "volume_up",
    "volumedown": "volume_down", "vol_down": "volume_down",
    "media_volume_down": "volume_down",
    "volume_mute": "mute", "media_volume_mute": "mute",
    "dash": "minus", "hyphen": "minus", "equals": "equal", "dot": "period",
    "backtick": "grave", "quote": "apostrophe",
}


class InvalidComboError(GesturedError):
    """A key combination that cannot be pressed: its message says why."""


class UnknownKeyError(InvalidComboError):
    """A key name outside the vocabulary; `.suggestion` is the closest known name or None."""

    def __init__(self, name: str, suggestion: str | None, reason: str = "") -> None:
        hint = f" (did you mean {suggestion!r}?)" if suggestion else reason
        super().__init__(f"unknown key {name!r}{hint}")
        self.name = name
        self.suggestion = suggestion


def normalize_key(name: str) -> str:
    """One key name -> its canonical spelling.

    In: a name as written (`Control`, `page-up`, `T`). Out: the canonical name (`ctrl`,
    `page_up`, `t`). Raises UnknownKeyError (with a did-you-mean) for names outside
    the vocabulary.
    """
    word = name.strip().lower().replace("-", "_").replace(" ", "_")
    word = ALIASES.get(word, word)
    if word in KEY_NAMES:
        return word
    if word[:1] == "f" and word[1:].isdigit():  # f21 is not a typo of f2
        raise UnknownKeyError(name.strip(), None, ": function keys go from f1 to f20")
    raise UnknownKeyError(name.strip(), suggest_key(word))


def suggest_key(word: str) -> str | None:
    """The canonical key name closest to `word` (difflib), or None if none is close."""
    candidates = sorted(KEY_NAMES | frozenset(ALIASES))
    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return ALIASES.get(matches[0], matches[0]) if matches else None


def parse_combo(text: str) -> tuple[str, ...]:
    """`"ctrl+alt+t"` -> `("ctrl", "alt", "t")`: modifiers in MODIFIERS order, then the key.

    A single modifier alone is a valid combination (`super`). Raises UnknownKeyError for
    a name outside the vocabulary and InvalidComboError for an empty name, a repeated
    key, several non-modifier keys, or several modifiers without a key.
    """
    parts = text.split("+")
    if any(not part.strip() for part in parts):
        raise InvalidComboError(f"empty key name in {text!r}: join keys with '+', e.g. 'ctrl+alt+t'")
    names = [normalize_key(part) for part in parts]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InvalidComboError(f"key {repeated[0]!r} appears twice in {text!r}")
    modifiers = [name for name in MODIFIERS if name in names]
    others = [name for name in names if name not in MODIFIERS]
    if len(others) > 1:
        listed = ", ".join(others)
        raise InvalidComboError(f"{text!r} has {len(others)} keys ({listed}): a combination is modifiers and one key")
    if not others and len(modifiers) > 1:
        raise InvalidComboError(f"{text!r} has only modifiers: add the key to press, e.g. '{text}+t'")
    return (*modifiers, *others)


def format_combo(keys: tuple[str, ...]) -> str:
    """`("ctrl", "alt", "t")` -> `"ctrl+alt+t"` (the inverse of parse_combo)."""
    return "+".join(keys)
