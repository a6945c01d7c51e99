"""What can go wrong with model files; each message is one line saying what to do."""

from __future__ import annotations

from gestured.errors import GesturedError


class ModelError(GesturedError):
    """Base class for model file problems."""


class UnknownModel(ModelError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown model {name!r} (known: {', '.join(known)})")
        self.name = name


class ModelMissing(ModelError):
    """The model file is not there and was not (or could not be) fetched."""


class ModelCorrupt(ModelError):
    """A model file is present but fails its size or sha256 check."""


class ModelFetchError(ModelError):
    """Every source of a model failed; the message lists what was tried."""


class CorruptDownload(ModelError):
    """A downloaded file failed its size or sha256 check (it has been removed)."""


class LicenseNotAccepted(ModelError):
    """The model's licence must be accepted (`--accept-license`) before it is fetched."""


class ModelConfigError(ModelError):
    """The user's models.yaml override file is malformed."""
