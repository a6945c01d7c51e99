"""What a loaded gestures.yaml means, as plain frozen data.

`gestured.config` turns a YAML file into a `Settings` (validating it); the daemon,
debouncer and action runner read only these classes.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from dataclasses import dataclass, field
from typing import Literal

from gestured.output.keynames import format_combo

HandFilter = Literal["left", "right", "any"]

# The gestures the shipped classifier knows; NO_GESTURE is its word for every other pose.
BUILTIN_GESTURES: tuple[str, ...] = (
    "thumbs_up", "thumbs_down", "point_up", "ok", "fist",
    "point_left", "point_right", "open_palm",
)
NO_GESTURE = "none"
# Movements the trajectory stage recognizes (gestured.recognition.trajectory); directions
# are the user's own, like point_left.
SWIPE_GESTURES: tuple[str, ...] = ("swipe_left", "swipe_right", "swipe_up", "swipe_down")
CIRCLE_GESTURES: tuple[str, ...] = ("circle_cw", "circle_ccw")
DYNAMIC_GESTURES: tuple[str, ...] = SWIPE_GESTURES + CIRCLE_GESTURES


@dataclass(frozen=True)
class Motion:
    """How a dynamic gesture must move: `distance` in hand sizes (a swipe's travel, a
    circle's diameter) and `duration`, the most seconds the movement may take."""

    distance: float
    duration: float


def default_motion(gesture: str) -> Motion:
    """The shipped motion options of a dynamic gesture."""
    if gesture in CIRCLE_GESTURES:
        return Motion(distance=0.6, duration=2.0)
    return Motion(distance=2.0, duration=0.6)


@dataclass(frozen=True)
class KeyAction:
    """Press a combination such as ("ctrl", "alt", "t") or a media key such as ("play_pause",)."""

    keys: tuple[str, ...]
    kind: Literal["key"] = "key"


@dataclass(frozen=True)
class TypeAction:
    """Type a string as if on the keyboard."""

    text: str
    kind: Literal["type"] = "type"


@dataclass(frozen=True)
class ShellAction:
    """Run a command: argv list, run without a shell unless `use_shell`."""

    argv: tuple[str, ...]
    use_shell: bool = False
    timeout: float = 10.0
    kind: Literal["shell"] = "shell"


Action = KeyAction | TypeAction | ShellAction


def describe_action(action: Action, *, limit: int | None = None) -> str:
    """`key ctrl+alt+t`, `type 'hello'`, `shell notify-send hi`, `shell (sh) a | b`; cut to `limit`."""
    if isinstance(action, KeyAction):
        text = "key " + format_combo(action.keys)
    elif isinstance(action, TypeAction):
        text = f"type {action.text!r}"
    elif action.use_shell:
        text = "shell (sh) " + " ".join(action.argv)
    else:
        text = "shell " + shlex.join(action.argv)
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Binding:
    gesture: str
    action: Action
    hold: float  # seconds the gesture must be held before it fires
    threshold: float  # minimum classifier confidence
    release: float  # seconds away from the gesture before it may fire again
    repeat: float | None = None  # fire again every N seconds while held
    hand: HandFilter = "any"
    motion: Motion | None = None  # dynamic gestures only
    max_motion: float = 0.7  # palm sizes a second the hand may move during the hold


@dataclass(frozen=True)
class AppBindings:
    """Bindings for one application: they replace the global binding of the same gesture
    while a window whose class (or app id) matches `pattern` has the focus. `pattern` is
    a glob, or with `regex` a regular expression searched in the name; case is ignored."""

    pattern: str
    regex: bool = False
    bindings: tuple[Binding, ...] = ()



@dataclass(frozen=True)
class GestureDefaults:
    """`gestures.<name>`: defaults for every binding of one gesture (None: the global value)."""

    hold: float | None = None
    max_motion: float | None = None


# Shapes hands make all the time while typing, talking, signing and washing (a loose fist,
# a flat hand, a sideways index) need a longer still hold than a thumb held up or down;
# why and the figures: config/gestures.yaml and benchmarks/README.md.
DEFAULT_GESTURES: dict[str, GestureDefaults] = {
    "thumbs_up": GestureDefaults(max_motion=5.0), "thumbs_down": GestureDefaults(max_motion=5.0),
    "fist": GestureDefaults(hold=0.7), "open_palm": GestureDefaults(hold=0.7),
    "point_up": GestureDefaults(hold=0.5), "point_left": GestureDefaults(hold=0.5),
    "point_right": GestureDefaults(hold=0.5), "ok": GestureDefaults(hold=0.5),
}


@dataclass(frozen=True)
class DeliberateOptions:
    """What makes a pose a deliberate gesture (gestured.runtime.deliberate; `deliberate:` in gestures.yaml).

    max_motion: the hand may move at most this many palm sizes a second while it holds a
    gesture (the default of `gestures.<name>.max_motion` and a binding's own). min_size: the palm must span at least this fraction of the frame's height.
    edge: keypoints closer than this fraction of the palm size to the frame's edge mean
    the hand is partly out of view. evidence: the mean probability of the gesture over the
    hold must reach the binding's threshold (frames where another pose or no hand was seen
    count with their own, lower, probability).
    """

    max_motion: float = 0.7
    min_size: float = 0.1
    edge: float = 0.0
    evidence: bool = True


@dataclass(frozen=True)
class ArmOptions:
    """`arm:`: holding `gesture` for `hold` seconds arms the other bindings for `seconds`."""

    gesture: str
    hold: float = 1.0
    seconds: float = 5.0
    threshold: float = 0.7


@dataclass(frozen=True)
class OpenPoseOptions:
    """How the OpenPose backend trades accuracy for speed (see gestured/recognition/backends/openpose.py)."""

    input_size: int = 160  # pixels of the square crop fed to the net, a multiple of 8
    stage: int = 3  # stop after this refinement stage, 1 (fastest) to 6 (the full net)
    region: str = "mediapipe"  # how the hand is found first: mediapipe, tracker, motion or full
    # Model files (None: those `gestured models fetch openpose` installed); not in gestures.yaml.
    prototxt: Path | None = None
    weights: Path | None = None
    landmarker_model: Path | None = None  # the region finder's MediaPipe model


@dataclass(frozen=True)
class UiOptions:
    """`ui:`: serve the web page (gestured.ui) from the running daemon, on 127.0.0.1:port."""

    enabled: bool = False
    port: int = 8421


@dataclass(frozen=True)
class Settings:
    backend: str = "mediapipe"
    camera: str = "0"  # camera index, /dev/videoN, video file or image folder
    model: str | None = None  # classifier path; None is the shipped default
    threshold: float = 0.7
    hold: float = 0.25
    release: float = 0.3
    num_hands: int = 1
    mirrored: bool = False
    openpose: OpenPoseOptions = field(default_factory=OpenPoseOptions)
    ui: UiOptions = field(default_factory=UiOptions)
    deliberate: DeliberateOptions = field(default_factory=DeliberateOptions)
    gestures: dict[str, GestureDefaults] = field(default_factory=lambda: dict(DEFAULT_GESTURES))
    arm: ArmOptions | None = None
    bindings: tuple[Binding, ...] = field(default_factory=tuple)
    apps: tuple[AppBindings, ...] = ()

    def backend_options(self, backend: str | None = None) -> OpenPoseOptions | None:
        """The typed options for `create_backend(backend, options=...)`: the `openpose:` section
        for openpose, None (its defaults) for mediapipe."""
        return self.openpose if (backend or self.backend) == "openpose" else None
