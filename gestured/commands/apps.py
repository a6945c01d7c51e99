"""`gestured apps [--watch]`: what this desktop session reports as the focused application.

Prints the provider in use and the focused window's class, instance and title, with the
`match:` line that selects it in gestures.yaml, so per-application bindings can be
written without guessing. `--watch` prints every change until Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import time

from gestured.output.focus import FocusedApp, NoFocus, choose_focus_provider

WATCH_INTERVAL = 0.5


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--watch", action="store_true",
                        help="keep printing the focused application whenever it changes (Ctrl-C stops)")


def describe(app: FocusedApp | None) -> str:
    """One line about `app` and how to match it, or why there is none."""
    if app is None:
        return "no focused window reported (click into a window, or the desktop is empty)"
    parts = [f"class {app.app_class!r}"]
    if app.instance and app.instance != app.app_class:
        parts.append(f"instance {app.instance!r}")
    if app.title:
        parts.append(f"title {app.title!r}")
    return f"{', '.join(parts)}  ->  match: {{class: {app.app_class!r}}}"


def main(args: argparse.Namespace) -> int:
    """Print the focused application once (or on every change with --watch); 1 where unknown."""
    provider = choose_focus_provider(os.environ)
    if isinstance(provider, NoFocus):
        print(f"focused application unknown: {provider.reason}; per-application bindings are off here")
        return 1
    provider.start()
    try:
        app = provider.refresh()
        print(f"focused ({provider.name}): {describe(app)}", flush=True)
        while args.watch:
            time.sleep(WATCH_INTERVAL)
            latest = provider.refresh()
            if latest != app:
                app = latest
                print(f"focused ({provider.name}): {describe(app)}", flush=True)
    finally:
        provider.close()
    return 0
