"""The shape of gestures.yaml as pydantic v2 models (strict types, unknown keys refused).

Defaults come from `gestured.config.settings.Settings`, so the dataclass stays the single
source of truth. Rules pydantic cannot express per field (one action per binding,
known gesture names) live in `gestured.config.rules`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from gestured.config.settings import Settings
from gestured.output.keynames import InvalidComboError, parse_combo

_DEFAULTS = Settings()
DEFAULT_SHELL_TIMEOUT = 10.0
MAX_SHELL_TIMEOUT = 86400.0  # a day; beyond it a timer overflows and nothing useful waits that long
VALUE_LIMIT = 40  # characters of a value quoted in a message


def _fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("gestured", message)


def _check_combo(text: str) -> str:
    try:
        parse_combo(text)
    except InvalidComboError as error:
        raise _fail(str(error)) from None
    return text


def _check_backend(name: str) -> str:
    from gestured.recognition.backends import BACKENDS  # the registry, not the runtimes

    if name not in BACKENDS:
        raise _fail(f"unknown backend {name!r}: choose one of {', '.join(sorted(BACKENDS))}")
    return name


def _camera_text(value: Any) -> Any:
    # `camera: 0` is an index; keep every spelling as the string the source opener takes.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _check_shell(value: Any) -> str | list[str]:
    """A command string (split later with shlex) or an argv list; numbers become text."""
    if isinstance(value, str):
        return _non_empty(value)
    if not isinstance(value, list):
        raise _fail(f"must be a command string or a list of arguments, not {describe_value(value)}")
    if not value:
        raise _fail("is an empty list: give the program and its arguments")
    return [_argv_item(position, item) for position, item in enumerate(value)]


def _argv_item(position: int, value: Any) -> str:
    # `shell: [sleep, 5]` is natural YAML; numbers become the text the user wrote.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return _no_nul(value)
    raise _fail(f"argument {position + 1} must be text, not {describe_value(value)}: quote it")


def describe_value(value: Any) -> str:
    """How a YAML value reads in a message: `true`, `null`, `a list`, `'text'`, `5`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 3] + "..."


def _empty_mapping(value: Any) -> Any:
    # `bindings:` with every line commented out reads as null.
    return {} if value is None else value


def _non_empty(text: str) -> str:
    if not text.strip():
        raise _fail("is empty")
    return _no_nul(text)


def _no_nul(text: str) -> str:
    # A NUL byte can't reach a file name or a program's arguments: refuse it here, not at the fire.
    if "\0" in text:
        raise _fail("contains a NUL character (\\0): remove it")
    return text


Text = Annotated[str, AfterValidator(_non_empty)]
Combo = Annotated[str, AfterValidator(_check_combo)]
ShellCommand = Annotated[Any, AfterValidator(_check_shell)]
Seconds = Annotated[float, Field(ge=0)]
Confidence = Annotated[float, Field(ge=0, le=1)]


class BindingModel(BaseModel):
    """One `bindings.<gesture>` entry: one action plus optional timing overrides."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    key: Combo | None = None
    type: Text | None = None
    shell: ShellCommand = None
    use_shell: bool | None = None
    timeout: Annotated[float, Field(gt=0, le=MAX_SHELL_TIMEOUT)] | None = None
    hold: Seconds | None = None
    threshold: Confidence | None = None
    release: Seconds | None = None
    repeat: Annotated[float, Field(gt=0)] | None = None
    hand: Literal["left", "right", "any"] | None = None
    distance: Annotated[float, Field(gt=0)] | None = None  # dynamic gestures: hand sizes
    duration: Annotated[float, Field(gt=0)] | None = None  # dynamic gestures: seconds
    max_motion: Annotated[float, Field(gt=0)] | None = None


Bindings = Annotated[dict[str, Annotated[BindingModel, BeforeValidator(_empty_mapping)]],
                     BeforeValidator(_empty_mapping)]


def _check_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as error:
        raise _fail(f"is not a valid regular expression: {error}") from None
    return pattern


class MatchModel(BaseModel):
    """`apps[N].match`: the focused window's class (or app id), as a glob or a regex."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    class_: Text | None = Field(default=None, alias="class")
    class_regex: Annotated[Text, AfterValidator(_check_regex)] | None = None


class AppModel(BaseModel):
    """One `apps:` entry: bindings that replace the global ones while the app is focused."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    match: MatchModel
    bindings: Bindings = Field(default_factory=dict)


def _check_region(name: str) -> str:
    from gestured.recognition.backends.regions import REGION_FINDERS  # plain names; nothing loads here

    if name not in REGION_FINDERS:
        raise _fail(f"unknown region finder {name!r}: choose one of {', '.join(sorted(REGION_FINDERS))}")
    return name


def _check_input_size(size: int) -> int:
    if size % 8:
        raise _fail(f"must be a multiple of 8, got {size}")
    return size


_OPENPOSE_DEFAULTS = _DEFAULTS.openpose


class OpenPoseModel(BaseModel):
    """`openpose:`, read only when `backend: openpose`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    input_size: Annotated[int, Field(ge=64, le=512), AfterValidator(_check_input_size)] = (
        _OPENPOSE_DEFAULTS.input_size
    )
    stage: Annotated[int, Field(ge=1, le=6)] = _OPENPOSE_DEFAULTS.stage
    region: Annotated[str, AfterValidator(_check_region)] = _OPENPOSE_DEFAULTS.region


class UiModel(BaseModel):
    """`ui:`, the web page served by the daemon (read at start)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    enabled: bool = _DEFAULTS.ui.enabled
    port: Annotated[int, Field(ge=0, le=65535)] = _DEFAULTS.ui.port  # 0: any free port


_DELIBERATE_DEFAULTS = _DEFAULTS.deliberate


class DeliberateModel(BaseModel):
    """`deliberate:`, what makes a pose a deliberate gesture (gestured.runtime.deliberate)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    max_motion: Annotated[float, Field(gt=0)] = _DELIBERATE_DEFAULTS.max_motion
    min_size: Annotated[float, Field(ge=0, le=1)] = _DELIBERATE_DEFAULTS.min_size
    edge: Annotated[float, Field(ge=0, le=2)] = _DELIBERATE_DEFAULTS.edge
    evidence: bool = _DELIBERATE_DEFAULTS.evidence


class ArmModel(BaseModel):
    """`arm:`, holding one gesture arms the other bindings for a while."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    gesture: Text
    hold: Seconds = 1.0
    seconds: Annotated[float, Field(gt=0)] = 5.0
    threshold: Confidence = 0.7


class GestureModel(BaseModel):
    """`gestures.<name>`: defaults for every binding of that gesture."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    hold: Seconds | None = None
    max_motion: Annotated[float, Field(gt=0)] | None = None


def _default_gestures() -> dict[str, GestureModel]:
    return {name: GestureModel(hold=value.hold, max_motion=value.max_motion)
            for name, value in _DEFAULTS.gestures.items()}


Gestures = Annotated[dict[str, Annotated[GestureModel, BeforeValidator(_empty_mapping)]],
                     BeforeValidator(_empty_mapping)]


class ConfigModel(BaseModel):
    """The whole file: global settings, then `bindings`."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    backend: Annotated[str, AfterValidator(_check_backend)] = _DEFAULTS.backend
    camera: Annotated[Text, BeforeValidator(_camera_text)] = _DEFAULTS.camera
    model: Text | None = _DEFAULTS.model
    threshold: Confidence = _DEFAULTS.threshold
    hold: Seconds = _DEFAULTS.hold
    release: Seconds = _DEFAULTS.release
    num_hands: Annotated[int, Field(ge=1, le=4)] = _DEFAULTS.num_hands
    mirrored: bool = _DEFAULTS.mirrored
    openpose: OpenPoseModel = Field(default_factory=OpenPoseModel)
    ui: UiModel = Field(default_factory=UiModel)
    deliberate: DeliberateModel = Field(default_factory=DeliberateModel)
    gestures: Gestures = Field(default_factory=_default_gestures)
    arm: ArmModel | None = None
    bindings: Bindings = Field(default_factory=dict)
    apps: Annotated[list[AppModel], BeforeValidator(lambda value: [] if value is None else value)] = Field(
        default_factory=list)


TOP_LEVEL_KEYS: tuple[str, ...] = tuple(ConfigModel.model_fields)
BINDING_KEYS: tuple[str, ...] = tuple(BindingModel.model_fields)
# Settings that are sections of their own: `openpose: {input_size: ...}`.
SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "openpose": tuple(OpenPoseModel.model_fields), "ui": tuple(UiModel.model_fields),
    "deliberate": tuple(DeliberateModel.model_fields), "arm": tuple(ArmModel.model_fields),
}
APP_KEYS: tuple[str, ...] = tuple(AppModel.model_fields)
MATCH_KEYS: tuple[str, ...] = ("class", "class_regex")
GESTURE_KEYS: tuple[str, ...] = tuple(GestureModel.model_fields)
