"""The error a bad gestures.yaml raises."""

from __future__ import annotations

from gestured.errors import GesturedError

MAX_PROBLEMS = 20  # lines shown; 60,000 bad bindings are not 60,000 lines worth reading


class ConfigError(GesturedError):
    """A config that cannot be used; `.problems` lists the problems, one line each
    (`gestures.yaml:14: bindings.ok.key: unknown key 'ctrll' (did you mean 'ctrl'?)`),
    the first MAX_PROBLEMS of them then `... and N more problems`; `.count` is how many
    there are in all."""

    def __init__(self, problems: list[str]) -> None:
        self.count = len(problems)
        if len(problems) > MAX_PROBLEMS:
            problems = [*problems[:MAX_PROBLEMS], f"... and {len(problems) - MAX_PROBLEMS:,} more problems"]
        super().__init__("\n".join(problems))
        self.problems = problems
