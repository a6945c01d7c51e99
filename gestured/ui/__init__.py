"""The local web page (`gestured ui`, or `ui: {enabled: true}`): live view, event log,
bindings editor and teach-a-gesture. Needs the `ui` extra (Starlette, uvicorn, ruamel.yaml).
"""

from __future__ import annotations

from gestured.errors import GesturedError


def require_extra() -> None:
    """Raises GesturedError saying how to install the ui extra when a part of it is missing."""
    try:
        import ruamel.yaml  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        raise GesturedError(f"the page needs the ui extra ({error.name} is missing): "
                            "python3 -m pip install 'gestured[ui]'") from None
