"""videotwin's generic view of every task (an extension; A2E clients use the per-product endpoints)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from videotwin.api.deps import PrincipalDep, RuntimeDep
from videotwin.api.envelope import Envelope, ok
from videotwin.domain import jobs
from videotwin.wire.common import DEFAULT_PAGE_SIZE, Page, PageNum, PageSize
from videotwin.wire.jobs import JobOut
from videotwin.wire.presenters import job_out

router = APIRouter(prefix="/api/v1/jobs", tags=["tasks (videotwin extension)"])
JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]


@router.get("", response_model=Envelope[Page[JobOut]])
def list_jobs(
    request: Request, runtime: RuntimeDep, me: PrincipalDep,
    pageNum: Annotated[PageNum, Query()] = 1,
    pageSize: Annotated[PageSize, Query()] = DEFAULT_PAGE_SIZE,
    status: Annotated[JobStatus | None, Query()] = None,
):
    """All your tasks of every kind, newest first."""
    with runtime.db.read() as session:
        rows, total = jobs.list_jobs(session, me.user.id, statuses=[status] if status else None,
                                     page=pageNum, page_size=pageSize)
    return ok(request, Page[JobOut].of([job_out(j, runtime.url_for) for j in rows], total, pageNum, pageSize))


@router.get("/{job_id}", response_model=Envelope[JobOut])
def get_job(request: Request, job_id: str, runtime: RuntimeDep, me: PrincipalDep):
    """One task: status, progress (process 0-100), result or failure reason."""
    with runtime.db.read() as session:
        job = jobs.get(session, me.user.id, job_id)
    return ok(request, job_out(job, runtime.url_for))


@router.post("/{job_id}/cancel", response_model=Envelope[JobOut])
def cancel_job(request: Request, job_id: str, runtime: RuntimeDep, me: PrincipalDep):
    """Cancel a task: a queued one ends now with a full refund; a running one stops at its next check."""
    with runtime.db.write() as session:
        job = jobs.cancel(session, me.user.id, job_id)
    return ok(request, job_out(job, runtime.url_for))
