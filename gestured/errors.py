"""Errors a user sees: each message is one line that says what to do next."""


class GesturedError(Exception):
    """A problem the user can fix; `gestured` prints it as one line and exits non-zero."""
