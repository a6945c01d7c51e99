"""Command line: `gestured [run] ...` and its subcommands.

Each subcommand lives in its own module with two functions,
`configure(parser: argparse.ArgumentParser) -> None` and `main(args: argparse.Namespace) -> int`,
and is imported only when it is the one asked for.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import logging
import sys
from typing import Any, Sequence

from gestured import __version__
from gestured.errors import GesturedError, exit_code_after_stop, stop_requested_by

# command -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("gestured.commands.run", "run the daemon (the default command)"),
    "check": ("gestured.commands.check", "validate a gestures.yaml and exit"),
    "apps": ("gestured.commands.apps", "show the focused application, to write apps: match lines"),
    "models": ("gestured.commands.models", "list, fetch and verify model files"),
    "record": ("gestured.commands.record", "capture keypoints of one gesture into a dataset"),
    "train": ("gestured.commands.train", "train a classifier from recorded datasets"),
    "eval": ("gestured.commands.eval", "measure backend + classifier on labelled images"),
    "bench": ("gestured.commands.bench", "time each pipeline stage"),
    "ui": ("gestured.commands.ui", "the daemon with a local web page: live view, bindings, teach a gesture"),
    "service": ("gestured.commands.service", "install or remove the systemd user service"),
}
DEFAULT_COMMAND = "run"


class UnknownCommand(GesturedError):
    """A first word that names no command."""


def _with_default_command(argv: list[str]) -> list[str]:
    """`gestured --dry-run` means `gestured run --dry-run`; a first word that is no
    command raises UnknownCommand (run takes no words, only options)."""
    top_level = {"-h", "--help", "--version"}
    if argv and not argv[0].startswith("-") and argv[0] not in COMMANDS:
        close = difflib.get_close_matches(argv[0], list(COMMANDS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f"; commands: {', '.join(COMMANDS)}"
        raise UnknownCommand(f"unknown command {argv[0]!r}{hint}")
    if not argv or (argv[0] not in COMMANDS and argv[0] not in top_level):
        return [DEFAULT_COMMAND, *argv]
    return argv


def _catch_startup_signals() -> object | None:
    """For `run`: hold SIGHUP/SIGUSR1 from now on (see gestured.runtime.signals.StartupSignals)."""
    import threading

    from gestured.runtime.signals import StartupSignals

    return StartupSignals().install() if threading.current_thread() is threading.main_thread() else None


class Parser(argparse.ArgumentParser):
    """argparse without prefix matching: `--dry-ru` is an error, not `--dry-run`
    (subcommands' parsers are made of the same class, so it holds for them too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser; only `command`'s module is imported to fill its options."""
    parser = Parser(
        prog="gestured",
        description="Webcam hand-gesture daemon. With no command it runs the daemon.",
    )
    parser.add_argument("--version", action="version", version=f"gestured {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        subparser = subparsers.add_parser(name, help=help_text, description=help_text)
        subparser.add_argument(
            "--log-level",
            default="info",
            choices=["debug", "info", "warning", "error"],
            help="how much to log on stderr (default: info)",
        )
        if name == command:
            importlib.import_module(module_name).configure(subparser)
    return parser


def configure_logging(level_name: str) -> None:
    """gestured's own messages at `level_name` on stderr; other libraries' (matplotlib's
    `generated new fontManager`, which MediaPipe's import pulls in) only from WARNING,
    or everything at debug."""
    level = getattr(logging, level_name.upper())
    logging.basicConfig(level=max(level, logging.WARNING) if level > logging.DEBUG else level,
                        format="gestured: %(levelname)s: %(message)s", stream=sys.stderr)
    logging.getLogger("gestured").setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code (2: usage or config error, 130: Ctrl+C)."""
    try:
        return _main(argv)
    except BaseException as error:  # a signal while `run` was starting, or Ctrl+C while
        stop = stop_requested_by(error)  # importing or parsing: no traceback
        if stop is None:
            raise
        return exit_code_after_stop(stop)


def _main(argv: Sequence[str] | None) -> int:
    try:
        arguments = _with_default_command(list(sys.argv[1:] if argv is None else argv))
    except UnknownCommand as error:
        print(f"gestured: error: {error}", file=sys.stderr)
        return 2
    command = arguments[0] if arguments and arguments[0] in COMMANDS else None
    startup_signals = _catch_startup_signals() if command == DEFAULT_COMMAND else None
    args = build_parser(command).parse_args(arguments)
    if startup_signals is not None:
        args.startup_signals = startup_signals
    if args.command is None:
        return 0
    configure_logging(args.log_level)
    try:
        module = importlib.import_module(COMMANDS[args.command][0])
        return int(module.main(args) or 0)
    except GesturedError as error:
        print(f"gestured: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug: one line for the user, the traceback when debugging
        if stop_requested_by(error) is not None:
            raise  # a stop that Python wrapped on its way out (main() exits for it)
        if args.log_level == "debug":
            logging.getLogger(__name__).exception("internal error")
        else:
            print(f"gestured: internal error: {type(error).__name__}: {str(error)[:200]} "
                  "(run with --log-level debug for the traceback, and please report it)", file=sys.stderr)
        return 1
