"""Errors a user sees: each message is one line that says what to do next."""


class GesturedError(Exception):
    """A problem the user can fix; `gestured` prints it as one line and exits non-zero."""


class StopRequested(BaseException):
    """SIGTERM or SIGINT arrived while `gestured run` was still starting: unwind and exit 0.

    A BaseException, so no `except Exception` on the way swallows it; the CLI catches it.
    It can still arrive wrapped: Python 3.11 turns an exception raised inside a class's
    `__set_name__` (while a module is imported) into a RuntimeError, so look for it with
    `stop_requested_by`.
    """


def stop_requested_by(error: BaseException) -> str | None:
    """The signal ("SIGTERM", "SIGINT") if `error` is a stop or Ctrl+C, or was raised while
    one unwound (its cause or context); None for any other error."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, StopRequested):
            return str(current)
        if isinstance(current, KeyboardInterrupt):
            return "SIGINT"
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def exit_code_after_stop(signal_name: str) -> int:
    """0 after SIGTERM (a clean stop); 130 after SIGINT (Ctrl+C before any frame is a failure)."""
    return 130 if signal_name == "SIGINT" else 0
