from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from sqlalchemy import func, select

from videotwin.api.deps import RuntimeDep
from videotwin.api.envelope import Envelope, ok
from videotwin.api.errors import CODE_INTERNAL, error_response
from videotwin.db.tables import WorkerRow
from videotwin.domain.ids import utcnow

router = APIRouter(tags=["health"])
# A worker that reported within this many reaper intervals counts as alive.
ALIVE_INTERVALS = 3


@router.get("/health", response_model=Envelope[dict])
def health(request: Request, runtime: RuntimeDep):
    """200 once the server is ready: the database answers. Says how many workers are alive."""
    try:
        runtime.db.ping()
        window = timedelta(seconds=ALIVE_INTERVALS * runtime.settings.reaper_interval_seconds + 5)
        with runtime.db.read() as session:
            workers = session.scalar(
                select(func.count()).select_from(WorkerRow).where(WorkerRow.seen_at > utcnow() - window)
            )
    except Exception as exc:  # noqa: BLE001 - health reports, it does not raise
        return error_response(request, 503, CODE_INTERNAL, f"database unavailable: {exc}")
    return ok(request, {"status": "ok", "workers": workers})
