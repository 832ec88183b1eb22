from __future__ import annotations

import logging

from fastapi import APIRouter, Request

from videotwin.api.deps import RuntimeDep
from videotwin.api.envelope import Envelope, ok
from videotwin.api.errors import CODE_INTERNAL, error_response
from videotwin.api.openapi import may_answer
from videotwin.domain import workers

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])
# A worker that reported within this many reaper intervals (plus slack, seconds) counts as alive.
ALIVE_INTERVALS = 3
ALIVE_SLACK_SECONDS = 5


@router.get("/health", response_model=Envelope[dict], responses=may_answer(503))
def health(request: Request, runtime: RuntimeDep):
    """200 once the server is ready: the database answers. Says how many workers are alive."""
    try:
        runtime.db.ping()
        with runtime.db.read() as session:
            alive = workers.alive(session, ALIVE_INTERVALS * runtime.settings.reaper_interval_seconds
                                  + ALIVE_SLACK_SECONDS)
    except Exception:  # noqa: BLE001 - health reports, it does not raise
        # The reason goes to the log only: a database error names its file or host.
        log.exception("health: the database does not answer")
        return error_response(request, 503, CODE_INTERNAL, "database unavailable; the server log says why")
    return ok(request, {"status": "ok", "workers": alive})
