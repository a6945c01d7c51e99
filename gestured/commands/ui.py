"""`gestured ui`: the daemon with its web page: live view, event log, bindings editor and
teach-a-gesture, on http://127.0.0.1:PORT/?token=... (printed at start).

Takes every option of `gestured run` (--source, --dry-run, --config...) plus where to
listen. The page needs the `ui` extra: `pip install 'gestured[ui]'`.
"""

from __future__ import annotations

import argparse

from gestured.commands import run
from gestured.errors import GesturedError


def configure(parser: argparse.ArgumentParser) -> None:
    run.configure(parser)
    parser.add_argument("--listen", metavar="ADDRESS", default=None,
                        help="address to serve the page on (default: 127.0.0.1; anything but loopback "
                             "lets others on the network reach a page that can run commands)")
    parser.add_argument("--port", type=int, default=None, metavar="N",
                        help="port (default: `ui: port:` in gestures.yaml, 8421; 0 picks a free one)")
    parser.add_argument("--open", action="store_true", help="open the page in the web browser")
    parser.add_argument("--loop", action="store_true",
                        help="play a video file or image folder --source again and again")
    parser.set_defaults(page=True)


def main(args: argparse.Namespace) -> int:
    from gestured.ui import require_extra

    require_extra()
    if args.port is not None and not 0 <= args.port <= 65535:
        raise GesturedError(f"--port {args.port}: give 0 to 65535")
    return run.main(args)
