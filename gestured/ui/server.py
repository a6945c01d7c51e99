"""The page's HTTP side: a Starlette app over a `Page` (feed, bindings, teacher, trainer).

Every request passes `Guard` first (token, Host, Origin, POST for state changes); the
JSON API answers the page's fetches, `/api/stream` is a server-sent-event stream of the
live state and fired events, `/api/frame.mjpg` the camera view as MJPEG. JPEGs are
encoded on a worker thread and only while someone watches.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from gestured.config import ConfigError
from gestured.errors import GesturedError
from gestured.ui.bindings import BindingsFile, ShellNotConfirmed
from gestured.ui.feed import LiveFeed
from gestured.ui.security import Guard
from gestured.ui.teach import Teacher
from gestured.ui.trainer import Trainer

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
STATIC_FILES = {"app.js": "text/javascript", "style.css": "text/css"}
STREAM_PERIOD = 0.1  # seconds between live-state messages
FRAME_POLL = 0.01  # seconds between looks for a new frame
SECURITY_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",  # the token in the URL never leaves in a Referer
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
}


@dataclass
class Page:
    """Everything the page reads and changes."""

    guard: Guard
    feed: LiveFeed
    bindings: BindingsFile
    teacher: Teacher
    trainer: Trainer
    stopping: threading.Event


class GuardMiddleware:
    """Refuses what `Guard` refuses, before any route runs, and adds the security headers."""

    def __init__(self, app: ASGIApp, page: Page, state_changing: frozenset[str]) -> None:
        self.app = app
        self.page = page
        self.state_changing = state_changing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        headers = {name.lower(): value for name, value in request.headers.items()}
        refusal = self.page.guard.refusal(request.method, headers, request.query_params.get("token"),
                                          request.url.path in self.state_changing)
        if refusal is not None:
            status, reason = refusal
            logger.warning("refused %s %s: %s", request.method, request.url.path, reason)
            await _with_headers(PlainTextResponse(reason, status_code=status))(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _with_headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def create_app(page: Page) -> Starlette:
    """The Starlette app serving `page`."""
    api = PageApi(page)
    reads = [
        Route("/", api.index), Route("/static/{name}", api.static),
        Route("/api/state", api.state), Route("/api/stream", api.stream),
        Route("/api/frame.mjpg", api.mjpeg), Route("/api/frame.jpg", api.jpeg),
        Route("/api/train/confusion.png", api.confusion),
    ]
    writes = {
        "/api/bindings": api.set_binding, "/api/bindings/remove": api.remove_binding,
        "/api/model": api.use_model, "/api/teach/start": api.teach_start,
        "/api/teach/stop": api.teach_stop, "/api/teach/import": api.teach_import, "/api/train": api.train,
    }
    routes = reads + [Route(path, endpoint, methods=["POST"]) for path, endpoint in writes.items()]
    app = Starlette(routes=routes)
    app.add_middleware(GuardMiddleware, page=page, state_changing=frozenset(writes))
    return app


def _json_handler(handler: Callable[[Any, dict[str, Any]], Any]) -> Callable[[Any, Request], Awaitable[Response]]:
    """A POST endpoint: JSON body in, JSON out; GesturedError becomes a 400 with its message."""

    async def endpoint(self: Any, request: Request) -> Response:
        try:
            body = await request.json() if await request.body() else {}
        except json.JSONDecodeError:
            return JSONResponse({"error": "the request body is not JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "the request body must be a JSON object"}, status_code=400)
        try:
            return JSONResponse(await run_in_threadpool(handler, self, body))
        except ShellNotConfirmed:
            return JSONResponse({"error": "a shell action runs commands on this computer: confirm it first",
                                 "needs_confirmation": True}, status_code=409)
        except ConfigError as error:
            return JSONResponse({"error": str(error), "problems": error.problems}, status_code=400)
        except GesturedError as error:
            return JSONResponse({"error": str(error)}, status_code=400)

    return endpoint


class PageApi:
    """The endpoints; each reads or changes one part of `page`."""

    def __init__(self, page: Page) -> None:
        self.page = page

    async def index(self, request: Request) -> Response:
        html = (STATIC / "index.html").read_text(encoding="utf-8")
        return Response(html.replace("{{token}}", self.page.guard.token), media_type="text/html")

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_FILES:
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(STATIC / name, media_type=STATIC_FILES[name])

    async def state(self, request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(self._state))

    def _state(self) -> dict[str, Any]:
        page = self.page
        return {"live": page.feed.state(), "events": page.feed.events(), "bindings": page.bindings.read(),
                "teach": page.teacher.status(), "training": page.trainer.status()}

    async def stream(self, request: Request) -> Response:
        after = int(request.query_params.get("after", "0") or 0)
        return StreamingResponse(self._messages(after), media_type="text/event-stream")

    async def _messages(self, after: int) -> AsyncIterator[str]:
        while not self.page.stopping.is_set():
            events = self.page.feed.events(after)
            if events:
                after = events[-1]["id"]
            message = {"live": await run_in_threadpool(self.page.feed.state), "events": events,
                       "teach": self.page.teacher.status()["take"], "training": self.page.trainer.status()}
            yield f"data: {json.dumps(message)}\n\n"
            await asyncio.sleep(STREAM_PERIOD)

    async def mjpeg(self, request: Request) -> Response:
        return StreamingResponse(self._frames(), media_type="multipart/x-mixed-replace; boundary=frame")

    async def _frames(self) -> AsyncIterator[bytes]:
        feed, seen = self.page.feed, 0
        with feed.connected():
            while not self.page.stopping.is_set():
                latest = feed.latest()
                if latest is None or latest.sequence == seen:
                    await asyncio.sleep(FRAME_POLL)
                    continue
                seen = latest.sequence
                data = await run_in_threadpool(feed.jpeg, latest)
                yield b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n%s\r\n" % (len(data), data)

    async def jpeg(self, request: Request) -> Response:
        latest = self.page.feed.latest()
        if latest is None:
            return PlainTextResponse("no frame yet", status_code=503)
        with self.page.feed.connected():
            data = await run_in_threadpool(self.page.feed.jpeg, latest)
        return Response(data, media_type="image/jpeg")

    async def confusion(self, request: Request) -> Response:
        result = self.page.trainer.status()
        if result.get("state") != "done":
            return PlainTextResponse("no finished training yet", status_code=404)
        return FileResponse(f"{result['model']}-confusion.png", media_type="image/png")

    @_json_handler
    def set_binding(self, body: dict[str, Any]) -> dict[str, Any]:
        gesture = str(body.get("gesture") or "").strip()
        if not gesture:
            raise GesturedError("give the gesture to bind")
        problems = self.page.bindings.set_binding(gesture, body, shell_confirmed=body.get("confirm_shell") is True)
        return self._saved(problems)

    @_json_handler
    def remove_binding(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._saved(self.page.bindings.remove_binding(str(body.get("gesture") or "")))

    @_json_handler
    def use_model(self, body: dict[str, Any]) -> dict[str, Any]:
        model = body.get("model")
        if model is not None and not isinstance(model, str):
            raise GesturedError("model must be a path or null")
        return self._saved(self.page.bindings.set_model(model))

    def _saved(self, problems: list[Any]) -> dict[str, Any]:
        if problems:
            return {"saved": False, "problems": [problem.as_dict() for problem in problems]}
        # The daemon's hot reload picks the saved file up, as it does any save.
        return {"saved": True, "bindings": self.page.bindings.read()}

    @_json_handler
    def teach_start(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.page.teacher.start_live(str(body.get("label") or ""))

    @_json_handler
    def teach_stop(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.page.teacher.stop_live()

    @_json_handler
    def teach_import(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.page.teacher.import_path(str(body.get("label") or ""), str(body.get("path") or ""))

    @_json_handler
    def train(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.page.trainer.start()
