"""The model server's HTTP app and process.

It holds a model registry (videotwin/models.py, plugins included), keeps the models quick answers
need loaded (model_server_keep_warm), synthesises at most model_server_threads texts at once (quick
calls have a lane of their own) and answers 503 rather than let more than model_server_queue wait.
It keeps no state of its own: it speaks or detects and answers, and the API stores what it gets.
`serve` starts it as a child process beside the API (on a unix socket) and restarts it if it dies;
`videotwin model-server` runs one alone."""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from videotwin.config import Settings
from videotwin.inference.langid import LanguageDetector
from videotwin.inference.registry import ModelRegistry
from videotwin.media.audio import encode_normalized
from videotwin.modelserver.protocol import (
    HEALTH_PATH,
    LANGUAGE_PATH,
    SECONDS_HEADER,
    SPEAK_PATH,
    LanguageAnswer,
    LanguageRequest,
    Refusal,
    SpeakRequest,
)
from videotwin.speech import voices
from videotwin.speech.tts import Synthesizer

log = logging.getLogger(__name__)
# Threads for quick calls (language detection: milliseconds each).
QUICK_LANE_THREADS = 1


class _Refused(Exception):
    def __init__(self, status: int, msg: str, field: str | None = None) -> None:
        super().__init__(msg)
        self.status, self.refusal = status, Refusal(msg=msg, field=field)


def _speak(models: ModelRegistry, request: SpeakRequest) -> tuple[bytes, float] | None:
    """MP3 bytes (loudness-normalised) and seconds; None when nothing in the text can be spoken."""
    voice = voices.get(request.voice_id)
    audio, sr = Synthesizer(models).synthesize(request.text, voice, request.rate, clone=request.clone)
    if audio.size == 0:
        return None
    with tempfile.TemporaryDirectory(prefix="videotwin-speak-") as tmp:
        out = Path(tmp) / "speech.mp3"
        encode_normalized(audio, sr, out)
        return out.read_bytes(), audio.size / sr


def _warm(models: ModelRegistry, names: list[str]) -> None:
    try:
        models.keep_warm(names)
        log.info("model server: kept warm: %s", ", ".join(names) or "(none)")
    except Exception:  # noqa: BLE001 - a model that cannot load is reported; calls that need it fail
        log.exception("model server: warming the models failed")


def create_model_app(settings: Settings, models: ModelRegistry, warm: list[str] | None = None) -> FastAPI:
    """warm: models to load once the server listens (loading holds the interpreter for seconds; until
    then calls wait on the socket rather than finding nobody there)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if warm:
            threading.Thread(target=_warm, args=(models, warm), name="model-warm", daemon=True).start()
        yield

    app = FastAPI(title="videotwin model server", openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan)
    # Speech takes seconds of CPU; a language detection milliseconds: each has its own lane, so a
    # quick call never waits behind a long one.
    threads = settings.model_server_threads
    heavy = anyio.CapacityLimiter(threads)
    quick = anyio.CapacityLimiter(QUICK_LANE_THREADS)
    waiting = {"calls": 0}  # admitted calls not yet answered (running or waiting for a thread)

    async def run_model(lane: anyio.CapacityLimiter, fn, *args):
        if waiting["calls"] >= threads + QUICK_LANE_THREADS + settings.model_server_queue:
            raise _Refused(503, "the model server is busy; try again in a few seconds")
        waiting["calls"] += 1
        try:
            return await anyio.to_thread.run_sync(fn, *args, limiter=lane)
        finally:
            waiting["calls"] -= 1

    @app.exception_handler(_Refused)
    async def refused(_request: Request, exc: _Refused) -> JSONResponse:
        return JSONResponse(exc.refusal.model_dump(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or None
        return JSONResponse(Refusal(msg=first.get("msg", "invalid request"), field=field).model_dump(),
                            status_code=400)

    @app.post(SPEAK_PATH)
    async def speak(request: SpeakRequest) -> Response:
        if voices.get(request.voice_id) is None:
            raise _Refused(400, f"no public voice {request.voice_id!r}", "voice_id")
        spoken = await run_model(heavy, _speak, models, request)
        if spoken is None:
            raise _Refused(400, "has nothing speakable in it", "msg")
        mp3, seconds = spoken
        return Response(mp3, media_type="audio/mpeg", headers={SECONDS_HEADER: f"{seconds:.3f}"})

    @app.post(LANGUAGE_PATH)
    async def language(request: LanguageRequest) -> LanguageAnswer:
        code, confidence = await run_model(quick, models.predict, LanguageDetector, request.text)
        return LanguageAnswer(code=code, confidence=confidence)

    @app.get(HEALTH_PATH)
    async def health() -> dict:
        return {"status": "ok", "loaded": models.loaded(), "calls": waiting["calls"]}

    return app


def listen_args(url: str) -> dict:
    """uvicorn's arguments for a model server URL: unix:///path or http://host:port."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return {"uds": parts.path}
    if parts.scheme == "http" and parts.hostname and parts.port:
        return {"host": parts.hostname, "port": parts.port}
    raise ValueError(f"VIDEOTWIN_MODEL_SERVER_URL: {url!r} is neither unix:///path nor http://host:port")


def run_model_server(settings: Settings, log_level: str = "info") -> None:
    import uvicorn

    from videotwin.models import build_models

    if settings.model_server_niceness:
        os.nice(settings.model_server_niceness)
    # The calls that run side by side share the cores (each one taking every core made them fight).
    share = max(1, (os.cpu_count() or 1) // settings.model_server_threads)
    models = build_models(settings, threads=settings.model_threads or share)
    models.start_sweeper()
    listen = listen_args(settings.resolved_model_server_url)
    if "uds" in listen:
        Path(listen["uds"]).parent.mkdir(parents=True, exist_ok=True)
    log.info("model server on %s", settings.resolved_model_server_url)
    try:
        uvicorn.run(create_model_app(settings, models, settings.model_server_keep_warm), log_level=log_level,
                    access_log=False, timeout_keep_alive=int(settings.api_keep_alive_seconds), **listen)
    finally:
        models.close()
