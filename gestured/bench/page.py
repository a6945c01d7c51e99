"""`gestured bench --page`: measure with the web page open, as a person watching it would
have it: the page's feed subscribed to the pipeline, and a client on loopback reading
the MJPEG view and the live-state stream the whole time (so JPEGs are drawn and encoded
for every frame, on the server's threads)."""

from __future__ import annotations

import contextlib
import shutil
import threading
import urllib.request
from pathlib import Path
from typing import Any, Iterator

from gestured import paths

READ_CHUNK = 64 * 1024


@contextlib.contextmanager
def watched_page(classifier: Any, scratch: Path) -> Iterator[Any]:
    """A PageServer (loopback, any free port) with two readers attached; yields the server,
    whose `feed.listen` goes into the pipeline's listeners. Raises GesturedError."""
    from gestured.ui import require_extra
    from gestured.ui.app import PageServer

    require_extra()
    config = scratch / "gestures.yaml"
    shutil.copy(paths.shipped_config_file(), config)
    config.chmod(0o600)
    server = PageServer(config_path=config, classifier=lambda: classifier, open_backend=_no_backend).start()
    stop = threading.Event()
    readers = [threading.Thread(target=_read, args=(f"{server.url.split('/?')[0]}{path}?token={server.guard.token}",
                                                    stop), daemon=True, name=f"bench-page-{name}")
               for name, path in (("mjpeg", "/api/frame.mjpg"), ("stream", "/api/stream"))]
    for reader in readers:
        reader.start()
    try:
        yield server
    finally:
        stop.set()
        server.close()
        for reader in readers:
            reader.join(5)


def _read(url: str, stop: threading.Event) -> None:
    """Read a stream until `stop` (reconnecting if the server closes it early)."""
    while not stop.is_set():
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                while not stop.is_set() and response.read1(READ_CHUNK):
                    pass
        except OSError:
            stop.wait(0.2)


def _no_backend(still: bool) -> Any:
    raise RuntimeError("no recordings during a benchmark")
