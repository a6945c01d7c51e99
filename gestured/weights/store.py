"""Model files on disk: verify, fetch (verified, then atomically moved in), ensure.

A fetch writes into a hidden temp file in the model directory, checks its size and
sha256, and only then `os.replace`s it onto the final name; on any failure or
interruption the temp file is removed, so the final path never holds a partial file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from gestured import paths
from gestured.weights.download import Progress, SourceFailed, default_progress, fetch_source
from gestured.weights.errors import (
    CorruptDownload,
    LicenseNotAccepted,
    ModelCorrupt,
    ModelFetchError,
    ModelMissing,
    UnknownModel,
)
from gestured.weights.registry import GROUPS, ModelSpec, Source, fetch_command, model_registry

logger = logging.getLogger(__name__)

State = Literal["verified", "unverified", "bad", "missing"]
RECORD_SUFFIX = ".sha256.json"
STALE_PART_AGE = 3600.0  # seconds; a SIGKILLed fetch can't clean up after itself

# (path, size, mtime_ns) -> sha256, so a daemon start does not re-hash an unchanged file.
_digest_cache: dict[tuple[str, int, int], str] = {}


@dataclass(frozen=True)
class ModelStatus:
    """`state`: verified (checks pass), unverified (present, size ok, no sha256 known),
    bad (fails a check; `detail` says which), missing."""

    name: str
    path: Path
    state: State
    detail: str


def _spec(name: str, registry: Mapping[str, ModelSpec] | None) -> ModelSpec:
    registry = model_registry() if registry is None else registry
    if name not in registry:
        raise UnknownModel(name, sorted([*registry, *GROUPS]))
    return registry[name]


def model_path(
    name: str, directory: Path | None = None, registry: Mapping[str, ModelSpec] | None = None
) -> Path:
    """Where model `name` lives (whether or not it is there). Raises UnknownModel."""
    return (paths.model_dir() if directory is None else directory) / _spec(name, registry).filename


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _cache_key(path: Path) -> tuple[str, int, int]:
    status = path.stat()
    return (str(path.resolve()), status.st_size, status.st_mtime_ns)


def file_sha256(path: Path, *, use_cache: bool = True) -> str:
    """The sha256 of `path`, cached per process by size and mtime. Raises OSError."""
    if not use_cache:
        return _hash_file(path)
    key = _cache_key(path)
    if key not in _digest_cache:
        _digest_cache[key] = _hash_file(path)
    return _digest_cache[key]


def record_path(path: Path) -> Path:
    """The JSON beside a model file that holds the sha256 seen when it was downloaded."""
    return path.with_name(path.name + RECORD_SUFFIX)


def _recorded_sha256(path: Path) -> str | None:
    try:
        value = json.loads(record_path(path).read_text(encoding="utf-8")).get("sha256")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _write_record(path: Path, spec: ModelSpec, digest: str, source: Source) -> None:
    record = {
        "model": spec.name,
        "sha256": digest,
        "size": path.stat().st_size,
        "source": source.describe(),
        "downloaded": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    _write_atomically(record_path(path), (json.dumps(record, indent=2) + "\n").encode())


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def check_file(path: Path, spec: ModelSpec, expected_sha256: str | None) -> str | None:
    """None when `path` has the spec's size and the expected sha256, else the problem.

    Raises OSError when the file can't be read.
    """
    size = path.stat().st_size
    if spec.size is not None and size != spec.size:
        return f"size {size} bytes, expected {spec.size}"
    if expected_sha256 is not None:
        return _sha256_problem(file_sha256(path), expected_sha256)
    return None


def _sha256_problem(digest: str, expected_sha256: str | None) -> str | None:
    if expected_sha256 is not None and digest != expected_sha256:
        return f"sha256 {digest}, expected {expected_sha256}"
    return None


def verify_model(
    name: str, *, directory: Path | None = None, registry: Mapping[str, ModelSpec] | None = None
) -> ModelStatus:
    """Check model `name`'s file against its pinned (or recorded) size and sha256."""
    spec = _spec(name, registry)
    path = model_path(name, directory, {name: spec})
    if not path.is_file():
        return ModelStatus(name, path, "missing", "not downloaded")
    expected = spec.sha256 or _recorded_sha256(path)
    try:
        problem = check_file(path, spec, expected)
    except OSError as error:
        return ModelStatus(name, path, "bad", f"cannot read: {error}")
    if problem is not None:
        return ModelStatus(name, path, "bad", problem)
    if expected is None:
        return ModelStatus(name, path, "unverified", "size matches; no sha256 recorded")
    return ModelStatus(name, path, "verified", f"sha256 {expected}")


def fetch_model(
    name: str,
    *,
    accept_license: bool = False,
    progress: Progress | None = None,
    directory: Path | None = None,
    registry: Mapping[str, ModelSpec] | None = None,
) -> Path:
    """Download model `name` from its first working source into the model directory.

    Replaces whatever is at the final path only with a verified file. Returns the path.
    Raises LicenseNotAccepted (licence-gated model without `accept_license`) or
    ModelFetchError (every source failed; the message lists each and why).
    """
    spec = _spec(name, registry)
    if spec.needs_license_acceptance and not accept_license:
        raise LicenseNotAccepted(
            f"model {name} is under the {spec.license}; "
            f"run '{fetch_command(name)}' to accept it and download"
        )
    directory = _prepare_directory(paths.model_dir() if directory is None else directory, spec)
    progress = default_progress() if progress is None else progress
    attempts: list[str] = []
    for source in spec.sources:
        try:
            path = _install_from(source, spec, directory, progress)
        except OSError as error:  # the local disk, not the source: trying others won't help
            raise ModelFetchError(f"cannot write model {name} into {directory}: {error}") from error
        except (SourceFailed, CorruptDownload) as error:
            logger.warning("model %s: %s failed: %s", name, source.describe(), error)
            attempts.append(f"{source.describe()}: {error}")
            continue
        logger.info("model %s: fetched %s from %s", name, path, source.describe())
        return path
    tried = "; ".join(attempts) if attempts else "no sources are configured"
    raise ModelFetchError(f"could not fetch model {name}; tried: {tried}")


def _prepare_directory(directory: Path, spec: ModelSpec) -> Path:
    """Create the model directory and clear stale temp files. Raises ModelFetchError."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _remove_stale_parts(directory, spec.filename)
    except OSError as error:
        raise ModelFetchError(
            f"cannot write model files to {directory}: {error} (set GESTURED_MODEL_DIR)"
        ) from error
    return directory


def _remove_stale_parts(directory: Path, filename: str, max_age: float = STALE_PART_AGE) -> None:
    """Delete temp files a killed fetch left behind (old enough not to be a running fetch's)."""
    now = time.time()
    for part in directory.glob(f".{filename}.*.part"):
        if now - part.stat().st_mtime > max_age:
            logger.info("removing %s, left by an interrupted fetch", part)
            part.unlink(missing_ok=True)


def _install_from(source: Source, spec: ModelSpec, directory: Path, progress: Progress) -> Path:
    """Fetch `source` into a temp file, verify it, move it onto the final name."""
    final_path = directory / spec.filename
    handle, temp_name = tempfile.mkstemp(prefix=f".{spec.filename}.", suffix=".part", dir=directory)
    temp_path = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            fetch_source(source, stream, progress, spec.name)
            stream.flush()
            os.fsync(stream.fileno())
        size = temp_path.stat().st_size
        if spec.size is not None and size != spec.size:
            raise CorruptDownload(
                f"downloaded file refused and removed: size {size} bytes, expected {spec.size}"
            )
        digest = file_sha256(temp_path, use_cache=False)
        problem = _sha256_problem(digest, spec.sha256)
        if problem is not None:
            raise CorruptDownload(f"downloaded file refused and removed: {problem}")
        os.chmod(temp_path, 0o644)
        os.replace(temp_path, final_path)
    except BaseException:  # KeyboardInterrupt too: never leave a partial file behind
        temp_path.unlink(missing_ok=True)
        raise
    _digest_cache[_cache_key(final_path)] = digest
    if spec.sha256 is None:
        _write_record(final_path, spec, digest, source)
    return final_path


def ensure_model(
    name: str,
    *,
    offline: bool = False,
    progress: Progress | None = None,
    directory: Path | None = None,
    registry: Mapping[str, ModelSpec] | None = None,
) -> Path:
    """The path of model `name`, verified; fetched first when missing (unless `offline`).

    Never fetches a licence-gated model by itself. Raises ModelMissing (missing and offline,
    or licence-gated), ModelCorrupt (present but failing its checks: the user re-fetches;
    the file is left alone), ModelFetchError.
    """
    registry = model_registry() if registry is None else registry
    status = verify_model(name, directory=directory, registry=registry)
    if status.state in ("verified", "unverified"):
        return status.path
    if status.state == "bad":
        raise ModelCorrupt(
            f"model {name} at {status.path} fails its check ({status.detail}): "
            f"run '{fetch_command(name)}' to replace it"
        )
    spec = registry[name]
    if spec.needs_license_acceptance:
        raise ModelMissing(
            f"model {name} is missing and its licence must be accepted first ({spec.license}): "
            f"run '{fetch_command(name)}'"
        )
    if offline:
        raise ModelMissing(
            f"model {name} is missing: run '{fetch_command(name)}' (or drop --offline)"
        )
    logger.info("model %s is missing; fetching it into %s", name, status.path.parent)
    return fetch_model(name, progress=progress, directory=directory, registry=registry)
