"""The focused X11 window, watched through python-xlib without polling where the WM helps.

With an EWMH window manager (every desktop's), the root window's `_NET_ACTIVE_WINDOW`
names the active client; a PropertyNotify on the root says when it changes, so the
thread sleeps in select() until then and re-reads the window's WM_CLASS and title.
Without one (a bare X server), it asks for the input focus twice a second instead.
The thread owns its own connection; `current()` only reads the cached answer.
"""

from __future__ import annotations

import logging
import select
import threading
from typing import Any

from gestured.errors import GesturedError
from gestured.output.focus import FocusedApp

logger = logging.getLogger(__name__)

POLL = 0.5  # seconds between input-focus checks without EWMH, and between stop checks
MAX_PARENTS = 8  # the input focus may sit on a child of the client window


class X11Focus:
    """A FocusProvider for an X11 display (`display_name` None: $DISPLAY)."""

    name = "x11"

    def __init__(self, display_name: str | None = None, poll: float = POLL) -> None:
        self.display_name = display_name
        self.poll = poll
        self._answer: FocusedApp | None = None
        self._display: Any = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.ewmh = False

    def start(self) -> None:
        """Connect, read the focused window once and start watching.

        Raises GesturedError when the display cannot be opened.
        """
        import Xlib.display
        import Xlib.error
        import Xlib.X

        try:
            self._display = Xlib.display.Display(self.display_name)
        except (Xlib.error.DisplayError, Xlib.error.ConnectionClosedError, OSError) as error:
            raise GesturedError(f"cannot open the X display {self.display_name or ''}: {error}") from None
        root = self._display.screen().root
        self._active_atom = self._display.intern_atom("_NET_ACTIVE_WINDOW")
        self.ewmh = root.get_full_property(self._active_atom, Xlib.X.AnyPropertyType) is not None
        root.change_attributes(event_mask=Xlib.X.PropertyChangeMask)
        self._answer = self._read()
        self._thread = threading.Thread(target=self._work, name="focus-x11", daemon=True)
        self._thread.start()

    def current(self) -> FocusedApp | None:
        return self._answer

    def refresh(self) -> FocusedApp | None:
        """The cached answer (the watcher thread keeps it fresh)."""
        return self._answer

    def close(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self.poll * 4)
        if self._display is not None:
            self._display.close()
            self._display = None

    def _work(self) -> None:
        import Xlib.error

        try:
            while not self._stopping.is_set():
                select.select([self._display], [], [], self.poll)
                if self._changed() or not self.ewmh:
                    self._answer = self._read()
        except Xlib.error.ConnectionClosedError as error:
            logger.warning("lost the X display (%s): per-application bindings stop", error)
            self._answer = None

    def _changed(self) -> bool:
        import Xlib.X

        changed = False
        while self._display.pending_events():
            event = self._display.next_event()
            if event.type == Xlib.X.PropertyNotify and event.atom == self._active_atom:
                changed = True
                self.ewmh = True  # a window manager started after us
        return changed

    def _read(self) -> FocusedApp | None:
        import Xlib.error

        try:
            window = self._active_window()
            return _describe(self._display, window) if window is not None else None
        except Xlib.error.XError:  # the window closed while we read it
            return None

    def _active_window(self) -> Any:
        import Xlib.X

        root = self._display.screen().root
        if self.ewmh:
            value = root.get_full_property(self._active_atom, Xlib.X.AnyPropertyType)
            identifier = int(value.value[0]) if value is not None and len(value.value) else 0
            return self._display.create_resource_object("window", identifier) if identifier else None
        focus = self._display.get_input_focus().focus
        return None if isinstance(focus, int) or focus == root else focus


def _describe(display: Any, window: Any) -> FocusedApp | None:
    """WM_CLASS and title of `window` or of the nearest ancestor that has them."""
    root = display.screen().root
    for _ in range(MAX_PARENTS):
        wm_class = window.get_wm_class()
        if wm_class:
            instance, app_class = wm_class
            return FocusedApp(app_class, instance, _title(display, window))
        parent = window.query_tree().parent
        if not parent or parent == root:
            return None
        window = parent
    return None


def _title(display: Any, window: Any) -> str:
    value = window.get_full_property(display.intern_atom("_NET_WM_NAME"), display.intern_atom("UTF8_STRING"))
    if value is not None:
        raw = value.value
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    name = window.get_wm_name()
    return name if isinstance(name, str) else ""
