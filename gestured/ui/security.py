"""Who may talk to the page: loopback only, a per-start token, Host and Origin checks.

The page can make the machine run commands (it edits shell bindings), so every request
and stream carries the random token printed in the URL (as Jupyter does), the Host
header must name the address gestured listens on (a DNS-rebinding page has its own
host name there), a browser's Origin must be the page itself, and state changes are
POST with the token in a header, which a cross-site form cannot set.
Pure: request parts in, a refusal reason (or None) out.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from typing import Mapping

TOKEN_HEADER = "x-gestured-token"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def new_token() -> str:
    """A fresh random token (32 bytes, URL-safe)."""
    return secrets.token_urlsafe(32)


def is_loopback(address: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(address: str) -> bool:
    """True for 0.0.0.0 and :: (every interface)."""
    try:
        return ipaddress.ip_address(address.strip("[]")).is_unspecified
    except ValueError:
        return False


def host_names(listen: str, port: int) -> frozenset[str]:
    """The Host header values a request to `listen`:`port` may carry."""
    names = set(LOOPBACK_NAMES) if is_loopback(listen) else set()
    bracketed = f"[{listen}]" if ":" in listen and not listen.startswith("[") else listen
    names.add(bracketed)
    return frozenset(f"{name}:{port}" for name in names)


@dataclass(frozen=True)
class Guard:
    """The rules for one server start: its token and the hosts it answers to."""

    token: str
    hosts: frozenset[str]

    def refusal(self, method: str, headers: Mapping[str, str], query_token: str | None,
                state_change: bool) -> tuple[int, str] | None:
        """(HTTP status, reason) when the request must be refused, else None.

        headers: lower-case names. A GET may carry the token in the query (the page's
        URL, <img> and EventSource can't set headers); a POST must carry it in the
        X-Gestured-Token header.
        """
        host = headers.get("host", "")
        if host not in self.hosts:
            return 403, f"wrong Host {host!r}: open the address gestured printed"
        origin = headers.get("origin")
        if origin is not None and origin.removeprefix("http://") not in self.hosts:
            return 403, f"wrong Origin {origin!r}: cross-site requests are refused"
        header_token = headers.get(TOKEN_HEADER)
        token = header_token if method == "POST" or header_token else query_token
        if not token or not secrets.compare_digest(token.encode(), self.token.encode()):
            return 403, "missing or wrong token: open the full address gestured printed (with ?token=...)"
        if state_change and method != "POST":
            return 405, "this changes state: POST only"
        return None
