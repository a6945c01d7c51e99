"""Errors a user sees: each message is one line that says what to do next."""


class GesturedError(Exception):
    """A problem the user can fix; `gestured` prints it as one line and exits non-zero."""


class StopRequested(BaseException):
    """SIGTERM or SIGINT arrived while `gestured run` was still starting: unwind and exit 0.

    A BaseException, so no `except Exception` on the way swallows it; the CLI catches it.
    """
