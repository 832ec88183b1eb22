"""create_app(runtime): the FastAPI application, its routers and error handlers."""

from __future__ import annotations

import gc
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI

from videotwin import __version__
from videotwin.api import errors, openapi
from videotwin.api.deps import plain_parameters
from videotwin.api.families import family_router
from videotwin.api.middleware import TraceAndLimit
from videotwin.api.routes import accounts, avatars, health, jobs, quote, speech, storage, videos
from videotwin.domain import backgrounds
from videotwin.families.index import FAMILIES
from videotwin.runtime import Runtime

DESCRIPTION = """\
Self-hosted AI avatar videos with an A2E-compatible API. Point an A2E client at this server's
base URL and use an `sk_` token from `/api/v1/token/generate` (or the admin token file).

Every answer is `{"code": 0, "data": ..., "trace_id": "..."}`; errors carry a non-zero `code`
and a `msg` naming the field and what was expected. See docs/API.md for error codes and the
endpoints whose paths videotwin chose.
"""


def create_app(runtime: Runtime) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Quick requests (a few database reads) share a small thread pool: with many threads the
        # interpreter lock makes them queue behind each other and tail latency grows. Requests that
        # wait on the network or hash a password use a pool of their own (see api.deps.run_slow).
        s = runtime.settings
        anyio.to_thread.current_default_thread_limiter().total_tokens = s.api_threads
        app.state.slow_limiter = anyio.CapacityLimiter(s.api_slow_threads)
        # What was made at start-up (modules, the app, about 180,000 objects) lives as long as the
        # process: moved out of the collector's sight, a full collection no longer scans it (that took
        # 120 ms here, stalling every request in flight, now and then).
        gc.collect()
        gc.freeze()
        yield

    app = FastAPI(title="videotwin", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  dependencies=[Depends(plain_parameters)])
    app.state.runtime = runtime
    errors.install(app)
    # The groups' own routes first: a family's /{_id} routes must not shadow fixed paths beside them.
    for module in (health, accounts, quote, storage, jobs, speech, avatars, videos):
        app.include_router(module.router)
    for family in FAMILIES:
        app.include_router(family_router(family))
    openapi.install(app)
    backgrounds.install_system_backgrounds(runtime)
    app.add_middleware(TraceAndLimit, max_body_bytes=runtime.settings.max_json_body_bytes)
    return app


def create_app_from_env() -> FastAPI:
    """uvicorn's factory for several API processes: each builds its own runtime from VIDEOTWIN_*."""
    from videotwin.config import Settings
    from videotwin.runtime import build_runtime

    return create_app(build_runtime(Settings()))
