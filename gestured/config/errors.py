"""The error a bad gestures.yaml raises."""

from __future__ import annotations

from gestured.errors import GesturedError


class ConfigError(GesturedError):
    """A config that cannot be used; `.problems` lists every problem, one line each
    (`gestures.yaml:14: bindings.ok.key: unknown key 'ctrll' (did you mean 'ctrl'?)`)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
