"""Pure ASGI middleware: a trace id and the server's own time on every request, and a cap on JSON
body size."""

from __future__ import annotations

import json
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from videotwin.api.errors import CODE_BAD_INPUT
from videotwin.storage.signing import FILES_PATH


class TraceAndLimit:
    """Sets request.state.trace_id (also the X-Trace-Id header), says how long the server took until
    it started answering (Server-Timing: app;dur=<ms>), and refuses JSON bodies over `max_body_bytes`
    with a clear 400. Uploads under /files/ stream to storage and enforce their own, larger limit."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trace = uuid.uuid4().hex
        scope.setdefault("state", {})["trace_id"] = trace
        started = time.perf_counter()

        async def send_with_trace(message: Message) -> None:
            if message["type"] == "http.response.start":
                took_ms = (time.perf_counter() - started) * 1000
                message.setdefault("headers", []).extend([
                    (b"x-trace-id", trace.encode()), (b"server-timing", f"app;dur={took_ms:.1f}".encode())])
            await send(message)

        if scope["path"].startswith(FILES_PATH) or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send_with_trace)
            return

        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(send_with_trace, trace, int(declared))
            return
        # Read the body (bounded) so a chunked upload without Content-Length is capped too.
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._too_large(send_with_trace, trace, None)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_trace)

    async def _too_large(self, send: Send, trace: str, size: int | None) -> None:
        got = f"{size} bytes" if size is not None else "more than that"
        msg = (f"the request body is {got}; at most {self.max_body_bytes} bytes of JSON are accepted "
               "(send media as URLs, or upload it with a presigned URL)")
        body = json.dumps({"code": CODE_BAD_INPUT, "msg": msg, "message": msg, "data": None,
                           "trace_id": trace}).encode()
        await send({"type": "http.response.start", "status": 400,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
