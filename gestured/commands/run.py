"""`gestured run` (the default command): build the pipeline in one place and run it.

Everything that can fail at start (configuration, classifier, source, backend, lock,
preview window) is built before the loop starts, in that order, so a failure gives
one line and leaves nothing half-started. `--dry-run` only swaps the executor.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable

from gestured import paths
from gestured.config.settings import Settings
from gestured.runtime.rate import LandmarkerRate

logger = logging.getLogger(__name__)

# Video files are shrunk into the mode cameras are asked for, so a file run sees what a
# camera run would (and what `gestured bench` measures).
CAMERA_MODE = (640, 480)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true",
                        help="run everything but the actions: print what would fire")
    parser.add_argument("--source", metavar="SOURCE",
                        help="camera index (0), /dev/videoN, a video file or an image folder "
                             "(default: `camera:` in gestures.yaml)")
    parser.add_argument("--config", metavar="FILE",
                        help="gestures.yaml to use (default: ~/.config/gestured/gestures.yaml, "
                             "else the shipped default)")
    parser.add_argument("--backend", metavar="NAME", help="keypoint backend (default: from gestures.yaml)")
    parser.add_argument("--json", action="store_true", help="print each fired gesture as one JSON line")
    parser.add_argument("--show", action="store_true",
                        help="open a preview window: skeleton, gesture, confidence, what fired")
    parser.add_argument("--max-frames", type=_positive(int), metavar="N", help="stop after N frames")
    parser.add_argument("--offline", action="store_true", help="never download model files")
    parser.add_argument("--realtime", action="store_true",
                        help="play video files and folders at their own frame rate, as a camera would")
    parser.add_argument("--fps", type=_positive(float), default=10.0,
                        help="frame rate of an image folder (default: 10)")
    parser.set_defaults(startup_signals=None)
    parser.add_argument("--no-idle", action="store_true",
                        help="run the keypoint backend on every frame, even when nothing moves")
    parser.add_argument("--full-rate", action="store_true",
                        help="run the keypoint backend on every frame while awake, not fewer while no "
                             "gesture is forming")


def _positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type: `kind(text)`, refused unless above zero."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
        return value

    return parse


def main(args: argparse.Namespace) -> int:
    """Build config -> classifier -> source -> backend -> executor -> Daemon and run it.

    Returns 0 after a clean stop. Raises GesturedError (printed as one line by the CLI)
    for a broken config, a missing model, an unknown backend, an unreadable source, a
    second instance or a missing display for --show.
    """
    from gestured.errors import StopRequested
    from gestured.runtime.signals import StartupSignals

    startup = args.startup_signals  # installed by the CLI before this module was even imported
    if startup is None and threading.current_thread() is threading.main_thread():
        startup = StartupSignals().install()
    try:
        return _start_and_run(args, startup)
    except StopRequested as stop:
        logger.info("stopped by %s while starting", stop)
        return 0
    finally:
        if startup is not None:
            startup.restore()


def _start_and_run(args: argparse.Namespace, startup: Any) -> int:
    from gestured.config import default_config_path

    config_path = Path(args.config).expanduser() if args.config else default_config_path()
    settings, classifier = load_configuration(config_path, args.backend)
    with contextlib.ExitStack() as stack:
        watched = watched_config(args, config_path)
        page: Any = None
        daemon: Any = None
        if getattr(args, "page", False) or settings.ui.enabled:
            from gestured.ui.app import open_page

            # The page answers while the backend still loads (from the start-up classifier).
            page = open_page(args, settings, watched, lambda: daemon, classifier, stack)
        daemon = build_daemon(args, settings, classifier, watched, stack)
        if page is not None:
            stack.callback(daemon.pipeline.subscribe(page.feed.listen))
        if startup is not None:
            startup.hand_over(daemon)
        return daemon.run()


def watched_config(args: argparse.Namespace, config_path: Path) -> Path:
    """The file hot reload watches: the one in use, except that while the shipped default
    stands in for a missing user file, the user's path is watched, so that a file created
    there (`gestured check --init`) applies without a restart."""
    from gestured.config.loader import is_shipped_default

    user_file = paths.user_config_file()
    if args.config or not is_shipped_default(config_path):
        return config_path
    try:
        user_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        logger.warning("cannot create %s (%s): a gestures.yaml put there needs a restart",
                       user_file.parent, error.strerror)
        return config_path
    return user_file


class ClassifierLabels:
    """The `labels` hook for load_settings: loads the classifier a config names, once per
    version of its file (a model retrained in place is loaded again)."""

    def __init__(self) -> None:
        self.classifiers: dict[tuple[str | None, str | None, float | None], Any] = {}

    def classifier(self, model: str | None, backend: str = "mediapipe") -> Any:
        """The model at `model`, or (None) the shipped model for `backend`."""
        from gestured.recognition.classifier import load_classifier, model_base

        description = Path(f"{model_base(model)}.json") if model is not None else None
        try:
            version = description.stat().st_mtime if description is not None else None
        except OSError:
            version = None
        key = (model, backend if model is None else None, version)
        if key not in self.classifiers:
            self.classifiers[key] = load_classifier(model, backend)
        return self.classifiers[key]

    def __call__(self, model: str | None) -> tuple[str, ...]:
        return self.classifier(model).labels


# One cache for start-up, hot reload and the daemon's model swap.
CLASSIFIERS = ClassifierLabels()


def load_configuration(config_path: Path, backend: str | None = None) -> tuple[Settings, Any]:
    """The validated settings and their classifier (its labels check the bindings' gestures):
    `model:`, or the shipped model for `backend` (default: the config's `backend:`).

    Raises ConfigError (every problem) or ModelFormatError (missing or damaged model).
    """
    from gestured.config import load_settings

    settings = load_settings(config_path, labels=CLASSIFIERS)
    backend_name = backend or settings.backend
    classifier = CLASSIFIERS.classifier(settings.model, backend_name)
    if classifier.backend != backend_name:
        logger.warning("model %s was trained on %s keypoints but the backend is %s: expect worse "
                       "recognition; set `model: null` to use the shipped %s model",
                       settings.model, classifier.backend, backend_name, backend_name)
    return settings, classifier


def build_daemon(args: argparse.Namespace, settings: Settings, classifier: Any, config_path: Path,
                 stack: contextlib.ExitStack) -> Any:
    """Wire source, backend, executor, reloader, preview and clock into a Daemon.

    Everything opened is registered on `stack`, so a failure part way releases it.
    """
    from gestured.capture.sources import open_source
    from gestured.output.actions import ActionExecutor, DryRunExecutor
    from gestured.recognition.backends import create_backend
    from gestured.runtime.daemon import Daemon
    from gestured.runtime.events import event_writer
    from gestured.runtime.lock import InstanceLock

    clock = time.monotonic
    epoch = clock()
    spec = settings.camera if args.source is None else args.source

    def new_source() -> Any:
        if getattr(args, "loop", False):
            from gestured.ui.loop import LoopedSource

            return LoopedSource(lambda: open_source(spec, realtime=args.realtime, fps=args.fps, clock=clock,
                                                    epoch=epoch, fit=CAMERA_MODE))
        return open_source(spec, realtime=args.realtime, fps=args.fps, clock=clock, epoch=epoch, fit=CAMERA_MODE)

    first_source = new_source()
    stack.callback(first_source.close)
    if first_source.is_live or not args.dry_run:
        stack.enter_context(InstanceLock())
    preview = None
    if args.show:
        from gestured.output.preview import PreviewWindow

        preview = PreviewWindow()
        stack.callback(preview.close)
    backend_name = args.backend or settings.backend
    backend = create_backend(backend_name, mode="video", offline=args.offline, num_hands=settings.num_hands,
                             mirrored=settings.mirrored, options=settings.backend_options(backend_name))
    stack.callback(backend.close)
    reloader = stack.enter_context(contextlib.closing(open_reloader(config_path, settings)))
    return Daemon(
        open_source=_first_then_new(first_source, new_source),
        backend=backend,
        classifier=classifier,
        executor=DryRunExecutor() if args.dry_run else ActionExecutor(),
        settings=settings,
        on_event=event_writer(args.json),
        clock=clock,
        reloader=reloader,
        preview=preview,
        gate=None if args.no_idle else _motion_gate(),
        rate=None if args.full_rate else LandmarkerRate(),
        load_classifier=partial(_classifier_for, backend=backend_name),
        max_frames=args.max_frames,
        open_focus=_open_focus,
        always_focus=args.json,  # JSON events name the focused application
    )


def _open_focus() -> Any:
    from gestured.output.focus import open_focus_provider

    return open_focus_provider()


def _classifier_for(model: str | None, backend: str) -> Any:
    return CLASSIFIERS.classifier(model, backend)


def _first_then_new(first: Any, factory: Callable[[], Any]) -> Callable[[], Any]:
    """A source factory that hands out the already-opened source once, then new ones."""
    pending = [first]

    def next_source() -> Any:
        return pending.pop() if pending else factory()

    return next_source


def _motion_gate() -> Any:
    from gestured.capture.motion import MotionGate

    return MotionGate()


class WatcherReloader:
    """gestured.config.reload.ConfigWatcher behind the Daemon's Reloader protocol.

    The watcher's thread hands new settings over by assigning one attribute; the loop
    takes them with poll(). A broken file is logged by the watcher and changes nothing.
    """

    def __init__(self, config_path: Path, settings: Settings) -> None:
        from functools import partial

        from gestured.config import load_settings
        from gestured.config.reload import ConfigWatcher

        self._pending: Settings | None = None
        self.watcher = ConfigWatcher(
            config_path, self._changed, lambda _error: None,
            loader=partial(load_settings, labels=CLASSIFIERS), settings=settings,
        )

    def _changed(self, settings: Settings) -> None:
        self._pending = settings

    def poll(self) -> Settings | None:
        settings, self._pending = self._pending, None
        return settings

    def reload_now(self) -> None:
        self.watcher.reload_now()

    def close(self) -> None:
        self.watcher.stop()


def open_reloader(config_path: Path, settings: Settings) -> WatcherReloader:
    """Start hot reload of `config_path`; the watcher is stopped by the returned object's close()."""
    reloader = WatcherReloader(config_path, settings)
    reloader.watcher.start()
    return reloader
