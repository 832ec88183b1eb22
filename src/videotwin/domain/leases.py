"""The lease protocol workers follow, and the reaper that recovers jobs whose worker died.

A running job belongs to the worker holding its lease. Every transition a worker makes is a
compare-and-set on (status, lease_owner), so a worker that lost its lease can change nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from videotwin.db.tables import JobRow
from videotwin.domain.jobs import (
    CANCELLED,
    ERR_CANCELLED,
    ERR_WORKER_LOST,
    FAILED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    Job,
    finish,
    refund,
)
from videotwin.ids import utcnow


def claim(session: Session, job_id: str, worker_id: str, lease_seconds: float) -> Job | None:
    """Take the lease on a queued job. None if someone else has it or it is no longer queued."""
    now = utcnow()
    result = session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.status == QUEUED, JobRow.cancel_requested.is_(False))
        .values(status=RUNNING, lease_owner=worker_id, lease_expires_at=now + timedelta(seconds=lease_seconds),
                attempts=JobRow.attempts + 1, started_at=func.coalesce(JobRow.started_at, now),
                updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return Job.from_row(session.get(JobRow, job_id, populate_existing=True))


@dataclass(frozen=True)
class LeaseState:
    held: bool
    cancel_requested: bool


def heartbeat(session: Session, job_id: str, worker_id: str, lease_seconds: float,
              progress: float | None = None) -> LeaseState:
    """Extend the lease (and write progress); says whether we still hold it and if cancel was asked."""
    now = utcnow()
    values: dict[str, Any] = {"lease_expires_at": now + timedelta(seconds=lease_seconds), "updated_at": now}
    if progress is not None:
        values["progress"] = progress
    result = session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.status == RUNNING, JobRow.lease_owner == worker_id)
        .values(**values)
        .returning(JobRow.cancel_requested)
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    return LeaseState(held=row is not None, cancel_requested=bool(row and row[0]))


def _leased_row(session: Session, job_id: str, worker_id: str) -> JobRow | None:
    row = session.get(JobRow, job_id, populate_existing=True)
    if row is None or row.status != RUNNING or row.lease_owner != worker_id:
        return None
    return row


def succeed(session: Session, job_id: str, worker_id: str, outputs: dict[str, Any]) -> Job | None:
    row = _leased_row(session, job_id, worker_id)
    if row is None:
        return None
    row.outputs = outputs
    row.progress = 1.0
    row.error_code, row.error_message = 0, ""
    finish(row, SUCCEEDED, utcnow())
    session.flush()
    return Job.from_row(row)


def fail(session: Session, job_id: str, worker_id: str, code: int, message: str) -> Job | None:
    """The job failed: record why and refund its credits."""
    row = _leased_row(session, job_id, worker_id)
    if row is None:
        return None
    row.error_code, row.error_message = code, message[:4000]
    finish(row, FAILED, utcnow())
    refund(session, row, "task failed")
    session.flush()
    return Job.from_row(row)


def cancelled_while_running(session: Session, job_id: str, worker_id: str) -> Job | None:
    row = _leased_row(session, job_id, worker_id)
    if row is None:
        return None
    row.error_code, row.error_message = ERR_CANCELLED, "cancelled while running"
    finish(row, CANCELLED, utcnow())
    session.flush()
    return Job.from_row(row)


def release(session: Session, job_id: str, worker_id: str) -> bool:
    """A worker shutting down hands its running job back to the queue at once (no lease wait).
    The attempt it used does not count against max_attempts (the job did not fail), but keeps its
    number, so the next attempt writes its files under a fresh per-attempt key."""
    now = utcnow()
    result = session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.status == RUNNING, JobRow.lease_owner == worker_id)
        .values(status=QUEUED, lease_owner=None, lease_expires_at=None, max_attempts=JobRow.max_attempts + 1,
                enqueued_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


@dataclass(frozen=True)
class ReapResult:
    requeued: list[str]
    failed: list[str]


def reap_expired(session: Session) -> ReapResult:
    """Jobs whose worker stopped renewing the lease (it died): queue them again, or fail and refund
    them when they have used up their attempts. A cancel request turns into a cancellation."""
    now = utcnow()
    rows = session.scalars(
        select(JobRow).where(JobRow.status == RUNNING, JobRow.lease_expires_at < now)
        .with_for_update(skip_locked=True)
    ).all()
    requeued, failed = [], []
    for row in rows:
        if row.cancel_requested:
            row.error_code, row.error_message = ERR_CANCELLED, "cancelled while running"
            finish(row, CANCELLED, now)
        elif row.attempts >= row.max_attempts:
            row.error_code = ERR_WORKER_LOST
            row.error_message = (f"the worker running this task stopped {row.attempts} times; "
                                 "it was given up and the credits were refunded")
            finish(row, FAILED, now)
            refund(session, row, "task failed")
            failed.append(row.id)
        else:
            row.status = QUEUED
            row.lease_owner = None
            row.lease_expires_at = None
            row.enqueued_at = now
            row.updated_at = now
            requeued.append(row.id)
    session.flush()
    return ReapResult(requeued, failed)


def stale_queued(session: Session, older_than_seconds: float) -> list[str]:
    """Queued jobs not (re)sent for a long time: their queue message may be lost, send it again.
    A duplicate message is harmless, since claim() lets only one worker take the job."""
    now = utcnow()
    rows = session.scalars(
        select(JobRow).where(JobRow.status == QUEUED,
                             JobRow.enqueued_at < now - timedelta(seconds=older_than_seconds))
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.enqueued_at = now
    return [r.id for r in rows]
