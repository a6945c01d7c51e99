"""Start and stop the page beside a running daemon: bind the address, build the Page,
serve it with uvicorn on a thread, print the address with its token.

The page's LiveFeed listens to the daemon's Pipeline; per frame it only stores references.
"""

from __future__ import annotations

import logging
import socket
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from gestured import paths
from gestured.errors import GesturedError
from gestured.ui.feed import LiveFeed
from gestured.ui.security import Guard, host_names, is_loopback, is_wildcard, new_token

if TYPE_CHECKING:
    from gestured.config.settings import Settings
    from gestured.recognition.backends import KeypointBackend

logger = logging.getLogger(__name__)

DEFAULT_LISTEN = "127.0.0.1"
STOP_TIMEOUT = 5.0


def bind(listen: str, port: int) -> socket.socket:
    """A listening TCP socket on listen:port (port 0: any free port).

    Raises GesturedError with what to do when the address is taken or not local.
    """
    family = socket.AF_INET6 if ":" in listen else socket.AF_INET
    try:
        return socket.create_server((listen.strip("[]"), port), family=family, backlog=64)
    except OSError as error:
        raise GesturedError(f"cannot listen on {listen}:{port} ({error.strerror}): "
                            "choose another port with --port (0 picks a free one)") from None


class PageServer:
    """The page served on its own thread; `close()` stops it."""

    def __init__(self, *, config_path: Path, classifier: Callable[[], Any], open_backend: Callable[[bool], Any],
                 bindings: Callable[[], Sequence[Any]] = tuple, listen: str = DEFAULT_LISTEN, port: int = 0) -> None:
        if is_wildcard(listen):
            raise GesturedError(f"--listen {listen}: give the address of one interface (the page checks "
                                "the Host header against it)")
        if not is_loopback(listen):
            logger.warning("serving the page on %s: anyone who can reach this address and learns the token "
                           "can make this computer run commands", listen)
        self.feed = LiveFeed(classifier, bindings)
        self._socket = bind(listen, port)
        self.port = int(self._socket.getsockname()[1])
        host = "127.0.0.1" if listen in ("127.0.0.1", "localhost") else listen
        shown = f"[{host}]" if ":" in host else host
        self.guard = Guard(new_token(), host_names(listen, self.port) | {f"{shown}:{self.port}"})
        self.url = f"http://{shown}:{self.port}/?token={self.guard.token}"
        self._stopping = threading.Event()
        self._server = self._build(config_path, open_backend)
        self._thread = threading.Thread(target=self._serve, name="gestured-ui", daemon=True)

    def _build(self, config_path: Path, open_backend: Callable[[bool], Any]) -> Any:
        import uvicorn

        from gestured.commands.check import init_config, model_labels
        from gestured.ui.bindings import BindingsFile
        from gestured.ui.server import Page, create_app
        from gestured.ui.teach import Teacher
        from gestured.ui.trainer import Trainer

        datasets = paths.data_dir() / "datasets"
        page = Page(
            guard=self.guard, feed=self.feed,
            bindings=BindingsFile(config_path, model_labels, init_config),
            teacher=Teacher(datasets, self.feed.tap, open_backend),
            trainer=Trainer(datasets, paths.data_dir() / "trained"),
            stopping=self._stopping,
        )
        config = uvicorn.Config(create_app(page), log_level="warning", lifespan="off",
                                timeout_graceful_shutdown=1, access_log=False)
        return uvicorn.Server(config)

    def start(self) -> "PageServer":
        self._thread.start()
        return self

    def _serve(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except Exception:
            logger.exception("the page's server stopped")

    def close(self) -> None:
        self._stopping.set()
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(STOP_TIMEOUT)
        self._socket.close()


def recording_backends(settings: Settings, backend: str | None, offline: bool) -> Callable[[bool], KeypointBackend]:
    """The teacher's `open_backend(still)`: `backend` (None: the settings') built from the
    settings as the daemon's is (`mirrored:`, its options), in IMAGE mode with two hands for
    a folder of stills, else in VIDEO mode with one."""
    from gestured.recognition.backends import backend_for

    def open_backend(still: bool) -> KeypointBackend:
        return backend_for(settings, backend, mode="image" if still else "video", num_hands=2 if still else 1,
                           offline=offline)

    return open_backend


def open_page(args: Any, settings: Any, config_path: Path, daemon: Callable[[], Any], classifier: Any,
              stack: Any) -> PageServer:
    """Serve the page for a daemon about to start; subscribe `server.feed.listen` to its pipeline.

    daemon: returns the Daemon once it is built (None before: `classifier` answers then).
    args: `gestured ui`'s (listen, port, open) or `gestured run`'s (then `ui:` of the
    settings gives the port). The server is closed by `stack`. Raises GesturedError.
    """
    from gestured.ui import require_extra

    require_extra()
    open_backend = recording_backends(settings, args.backend, args.offline)
    port = getattr(args, "port", None)
    def current_classifier() -> Any:
        running = daemon()
        return classifier if running is None else running.classifier

    def current_bindings() -> Sequence[Any]:
        running = daemon()
        return () if running is None else running.debouncer.bindings

    server = PageServer(config_path=config_path, classifier=current_classifier, open_backend=open_backend,
                        bindings=current_bindings,
                        listen=getattr(args, "listen", None) or DEFAULT_LISTEN,
                        port=settings.ui.port if port is None else port)
    stack.callback(server.close)
    server.start()
    print(f"gestured: the page is at {server.url}", flush=True)
    if getattr(args, "open", False):
        import webbrowser

        webbrowser.open(server.url)
    return server
