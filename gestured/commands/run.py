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
from typing import TYPE_CHECKING, Any, Callable

from gestured import paths
from gestured.config.settings import Settings
from gestured.runtime.rate import LandmarkerRate

if TYPE_CHECKING:
    from gestured.config.live import ClassifierCache
    from gestured.recognition.classifier import GestureClassifier

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
    add_wait_for_camera(parser)


def add_wait_for_camera(parser: argparse.ArgumentParser) -> None:
    """The option that makes a run at a terminal wait for its camera as a service does
    (`run` and `record` share it, and gestured.capture.opening.give_up_after)."""
    parser.add_argument("--wait-for-camera", action="store_true",
                        help="wait for a missing camera, retrying with backoff (the default without a "
                             "terminal, as a service); at a terminal a missing camera is an error after "
                             "a few seconds")


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
    from gestured.errors import exit_code_after_stop, stop_requested_by
    from gestured.runtime.signals import StartupSignals

    startup = args.startup_signals  # installed by the CLI before this module was even imported
    if startup is None and threading.current_thread() is threading.main_thread():
        startup = StartupSignals().install()
    try:
        return _start_and_run(args, startup)
    except BaseException as error:
        stop = stop_requested_by(error)
        if stop is None:
            raise
        logger.info("stopped by %s while starting", stop)
        return exit_code_after_stop(stop)
    finally:
        if startup is not None:
            startup.restore()


def _start_and_run(args: argparse.Namespace, startup: Any) -> int:
    from gestured.config import default_config_path
    from gestured.config.live import ClassifierCache

    config_path = Path(args.config).expanduser() if args.config else default_config_path()
    classifiers = ClassifierCache()  # one for start-up, hot reload and the daemon's model swap
    settings, classifier = load_configuration(config_path, args.backend, classifiers)
    with contextlib.ExitStack() as stack:
        watched = watched_config(args, config_path)
        page: Any = None
        daemon: Any = None
        if getattr(args, "page", False) or settings.ui.enabled:
            from gestured.ui.app import open_page

            # The page answers while the backend still loads (from the start-up classifier).
            page = open_page(args, settings, watched, lambda: daemon, classifier, stack)
        daemon = build_daemon(args, settings, classifier, watched, stack, classifiers=classifiers,
                              also_on_event=None if page is None else page.feed.record)
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


def load_configuration(config_path: Path, backend: str | None = None,
                       classifiers: ClassifierCache | None = None) -> tuple[Settings, GestureClassifier]:
    """The validated settings and their classifier (its labels check the bindings' gestures):
    `model:`, or the shipped model for `backend` (default: the config's `backend:`), loaded
    through `classifiers` (a new cache by default).

    Raises ConfigError (every problem) or ModelFormatError (missing or damaged model).
    """
    from gestured.config import load_settings
    from gestured.config.live import ClassifierCache

    classifiers = classifiers or ClassifierCache()
    settings = load_settings(config_path, labels=classifiers.labels)
    backend_name = backend or settings.backend
    classifier = classifiers.classifier(settings.model, backend_name)
    if classifier.backend != backend_name:
        logger.warning("model %s was trained on %s keypoints but the backend is %s: expect worse "
                       "recognition; set `model: null` to use the shipped %s model",
                       settings.model, classifier.backend, backend_name, backend_name)
    return settings, classifier


def build_daemon(args: argparse.Namespace, settings: Settings, classifier: Any, config_path: Path,
                 stack: contextlib.ExitStack, classifiers: ClassifierCache | None = None,
                 also_on_event: Callable[[Any], None] | None = None) -> Any:
    """Wire source, backend, executor, live config, preview and clock into a Daemon.

    classifiers: the cache hot reload loads models through (shared with start-up).
    also_on_event: called with every fired action's event (outcome known) after it is
    written out; the page's event log.

    Everything opened is registered on `stack`, so a failure part way releases it.
    """
    from gestured.capture.opening import give_up_after
    from gestured.capture.options import CameraOptions, SourceOptions
    from gestured.capture.sources import open_source
    from gestured.config.live import ClassifierCache, LiveConfig
    from gestured.output.actions import ActionExecutor, DryRunExecutor
    from gestured.recognition.backends import backend_for
    from gestured.runtime.daemon import Daemon
    from gestured.runtime.events import event_writer
    from gestured.runtime.lock import InstanceLock

    clock = time.monotonic
    spec = settings.camera if args.source is None else args.source
    options = SourceOptions(realtime=args.realtime, fps=args.fps, fit=CAMERA_MODE, clock=clock, epoch=clock(),
                            camera=CameraOptions(give_up_after=give_up_after(args.wait_for_camera)))

    def new_source() -> Any:
        if getattr(args, "loop", False):
            from gestured.ui.loop import LoopedSource

            return LoopedSource(lambda: open_source(spec, options))
        return open_source(spec, options)

    first_source = new_source()
    stack.callback(first_source.close)
    if first_source.is_live or not args.dry_run:
        stack.enter_context(InstanceLock())
    preview = None
    if args.show:
        from gestured.output.preview import PreviewWindow

        preview = PreviewWindow(dry_run=args.dry_run)
        stack.callback(preview.close)
    backend_name = args.backend or settings.backend
    backend = backend_for(settings, backend_name, offline=args.offline)
    stack.callback(backend.close)
    classifiers = classifiers or ClassifierCache()
    live = stack.enter_context(contextlib.closing(LiveConfig(config_path, settings, classifiers).start()))
    return Daemon(
        open_source=_first_then_new(first_source, new_source),
        backend=backend,
        classifier=classifier,
        executor=DryRunExecutor() if args.dry_run else ActionExecutor(),
        settings=settings,
        on_event=_events_to(event_writer(args.json), also_on_event),
        clock=clock,
        reloader=live,
        preview=preview,
        gate=None if args.no_idle else _motion_gate(),
        rate=None if args.full_rate else LandmarkerRate(),
        load_classifier=partial(classifiers.classifier, backend=backend_name),
        max_frames=args.max_frames,
        open_focus=_open_focus,
        always_focus=args.json,  # JSON events name the focused application
        why_not=_why_not(args),
    )


def _events_to(write: Callable[[Any], None], also: Callable[[Any], None] | None) -> Callable[[Any], None]:
    if also is None:
        return write

    def both(event: Any) -> None:
        write(event)
        also(event)

    return both


def _open_focus() -> Any:
    from gestured.output.focus import open_focus_provider

    return open_focus_provider()


def _first_then_new(first: Any, factory: Callable[[], Any]) -> Callable[[], Any]:
    """A source factory that hands out the already-opened source once, then new ones."""
    pending = [first]

    def next_source() -> Any:
        return pending.pop() if pending else factory()

    return next_source


def _why_not(args: argparse.Namespace) -> Any:
    """With --log-level debug: why visible gestures do not fire, logged (and as JSON lines with --json)."""
    if getattr(args, "log_level", "info") != "debug":
        return None
    from gestured.runtime.events import WhyNotFired, json_line_writer

    return WhyNotFired(json_line_writer() if args.json else None)


def _motion_gate() -> Any:
    from gestured.capture.motion import MotionGate

    return MotionGate()
