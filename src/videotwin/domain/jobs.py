"""Jobs: states, transitions, credit reservation and the lease protocol workers follow.

States: queued -> running -> succeeded | failed | cancelled; queued -> cancelled.
A running job belongs to the worker holding its lease. Every transition a worker makes is a
compare-and-set on (status, lease_owner), so a worker that lost its lease can change nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from videotwin.db.tables import JobRow
from videotwin.domain import credits
from videotwin.domain.errors import BadInput, InvalidState, NotFound
from videotwin.domain.ids import is_id, new_id, utcnow

if TYPE_CHECKING:
    from videotwin.runtime import Runtime

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = "queued", "running", "succeeded", "failed", "cancelled"
FINISHED = (SUCCEEDED, FAILED, CANCELLED)
DEFAULT_QUEUE = "default"
MAX_WEBHOOK_URL_CHARS = 2048
MAX_WEBHOOK_TOKEN_CHARS = 256

# Error codes recorded on failed jobs (failed_code on the wire).
ERR_PIPELINE = 1
ERR_WORKER_LOST = 2
ERR_INTERNAL = 3
ERR_CANCELLED = 4
ERR_UNKNOWN_KIND = 5


@dataclass(frozen=True)
class Cost:
    currency: str
    amount: int


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    owner_id: str
    name: str
    queue: str
    status: str
    progress: float
    attempts: int
    max_attempts: int
    cancel_requested: bool
    cost_currency: str
    cost_amount: int
    refunded: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    error_code: int
    error_message: str
    webhook_url: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @classmethod
    def from_row(cls, r: JobRow) -> Job:
        return cls(
            r.id, r.kind, r.owner_id, r.name, r.queue, r.status, r.progress, r.attempts, r.max_attempts,
            r.cancel_requested, r.cost_currency, r.cost_amount, r.refunded, dict(r.inputs or {}),
            dict(r.outputs or {}), r.error_code, r.error_message, r.webhook_url, r.created_at,
            r.updated_at, r.started_at, r.finished_at,
        )


@dataclass(frozen=True)
class StatusWords:
    """How a product names a job's state on the wire (A2E uses different words per product)."""

    accepted: str  # queued, never started
    requeued: str  # queued again after a worker stopped
    running: str = "processing"
    done: str = "completed"
    failed: str = "failed"  # also cancelled

    def of(self, job: Job) -> str:
        if job.status == QUEUED:
            return self.accepted if job.attempts == 0 else self.requeued
        if job.status == RUNNING:
            return self.running
        return self.done if job.status == SUCCEEDED else self.failed


def validate_webhook(url: str | None, token: str | None) -> None:
    if url is None:
        if token is not None:
            raise BadInput("webhook_token", "was given without webhook_url")
        return
    if len(url) > MAX_WEBHOOK_URL_CHARS:
        raise BadInput("webhook_url", f"is {len(url)} characters; at most {MAX_WEBHOOK_URL_CHARS} are accepted")
    if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        raise BadInput("webhook_url", f"{url[:100]!r} is not an http(s) URL without spaces")
    if token is not None and len(token) > MAX_WEBHOOK_TOKEN_CHARS:
        raise BadInput("webhook_token",
                       f"is {len(token)} characters; at most {MAX_WEBHOOK_TOKEN_CHARS} are accepted")


def submit(
    session: Session, *, owner_id: str, kind: str, inputs: dict[str, Any], max_attempts: int,
    name: str = "", cost: Cost | None = None, webhook_url: str | None = None,
    webhook_token: str | None = None, queue: str = DEFAULT_QUEUE,
) -> Job:
    """Record a job and reserve its credits in one transaction. The caller enqueues the id after
    the commit (a job whose message is lost is re-sent by the reaper)."""
    validate_webhook(webhook_url, webhook_token)
    now = utcnow()
    row = JobRow(
        id=new_id(), kind=kind, owner_id=owner_id, name=name[:255], queue=queue, status=QUEUED,
        progress=0.0, attempts=0, max_attempts=max_attempts, cancel_requested=False,
        cost_currency=cost.currency if cost else "coins", cost_amount=cost.amount if cost else 0,
        refunded=False, inputs=inputs, outputs={}, error_code=0, error_message="",
        webhook_url=webhook_url, webhook_token=webhook_token, webhook_state="none", webhook_result="",
        created_at=now, updated_at=now, enqueued_at=now,
    )
    session.add(row)
    session.flush()
    if cost and cost.amount > 0:
        credits.spend(session, owner_id, cost.currency, cost.amount, job_id=row.id, note=f"{kind} {row.id}")
    return Job.from_row(row)


def start(
    runtime: Runtime, *, owner_id: str, kind: str, inputs: dict[str, Any], name: str = "",
    cost: Cost | None = None, webhook_url: str | None = None, webhook_token: str | None = None,
    queue: str = DEFAULT_QUEUE,
) -> Job:
    """The use case every start endpoint calls: record and charge the job, then send its id to its
    pool's queue."""
    with runtime.db.write() as session:
        job = submit(session, owner_id=owner_id, kind=kind, inputs=inputs, name=name, cost=cost,
                     webhook_url=webhook_url, webhook_token=webhook_token,
                     max_attempts=runtime.settings.job_max_attempts, queue=queue)
    runtime.queue.enqueue(job.id, queue=queue)
    return job


def _owned_row(session: Session, owner_id: str, job_id: str, kinds: Sequence[str] | None) -> JobRow:
    row = session.get(JobRow, job_id) if is_id(job_id) else None
    if row is None or row.owner_id != owner_id or (kinds is not None and row.kind not in kinds):
        raise NotFound(f"_id: no task {job_id!r}")
    return row


def get(session: Session, owner_id: str, job_id: str, kinds: Sequence[str] | None = None) -> Job:
    """A job of this owner; another owner's job is NotFound, exactly like a missing one."""
    return Job.from_row(_owned_row(session, owner_id, job_id, kinds))


def get_any(session: Session, job_id: str) -> Job | None:
    row = session.get(JobRow, job_id)
    return None if row is None else Job.from_row(row)


def list_jobs(session: Session, owner_id: str, *, kinds: Sequence[str] | None = None,
              statuses: Sequence[str] | None = None, page: int = 1, page_size: int = 10) -> tuple[list[Job], int]:
    conds = [JobRow.owner_id == owner_id]
    if kinds is not None:
        conds.append(JobRow.kind.in_(kinds))
    if statuses is not None:
        conds.append(JobRow.status.in_(statuses))
    total = session.scalar(select(func.count()).select_from(JobRow).where(*conds)) or 0
    rows = session.scalars(
        select(JobRow).where(*conds).order_by(JobRow.created_at.desc(), JobRow.id.desc())
        .offset((page - 1) * page_size).limit(page_size)
    )
    return [Job.from_row(r) for r in rows], total


def _refund(session: Session, row: JobRow, note: str) -> None:
    if row.cost_amount > 0 and not row.refunded:
        credits.grant(session, row.owner_id, row.cost_currency, row.cost_amount, reason=credits.REFUND,
                      job_id=row.id, note=note)
        row.refunded = True


def _end(row: JobRow, status: str, now: datetime) -> None:
    row.status = status
    row.finished_at = now
    row.updated_at = now
    row.lease_owner = None
    row.lease_expires_at = None
    if row.webhook_url:
        row.webhook_state = "pending"


def cancel(session: Session, owner_id: str, job_id: str, kinds: Sequence[str] | None = None) -> Job:
    """Cancel a job. Queued: cancelled now and refunded in full. Running: the worker stops at its
    next check; the work already done is charged. Finished: refused."""
    row = _owned_row(session, owner_id, job_id, kinds)
    now = utcnow()
    if row.status == QUEUED:
        row.error_code, row.error_message = ERR_CANCELLED, "cancelled before it started; credits refunded"
        _end(row, CANCELLED, now)
        _refund(session, row, "cancelled before start")
    elif row.status == RUNNING:
        row.cancel_requested = True
        row.updated_at = now
    else:
        raise InvalidState(f"_id: task {job_id!r} has already ended ({row.status}); nothing to cancel")
    session.flush()
    return Job.from_row(row)


def delete(session: Session, owner_id: str, job_id: str, kinds: Sequence[str] | None = None) -> Job:
    """A2E delete: a queued job is cancelled and refunded; a running one cannot be deleted;
    a finished one is removed. Returns the job as it was; the caller removes its files."""
    row = _owned_row(session, owner_id, job_id, kinds)
    if row.status == QUEUED:
        return cancel(session, owner_id, job_id, kinds)
    if row.status == RUNNING:
        raise InvalidState(f"_id: task {job_id!r} is running and cannot be deleted; cancel it first")
    job = Job.from_row(row)
    session.delete(row)
    return job


# ---- the worker side -------------------------------------------------------------------------


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
    _end(row, SUCCEEDED, utcnow())
    session.flush()
    return Job.from_row(row)


def fail(session: Session, job_id: str, worker_id: str, code: int, message: str) -> Job | None:
    """The job failed: record why and refund its credits."""
    row = _leased_row(session, job_id, worker_id)
    if row is None:
        return None
    row.error_code, row.error_message = code, message[:4000]
    _end(row, FAILED, utcnow())
    _refund(session, row, "task failed")
    session.flush()
    return Job.from_row(row)


def cancelled_while_running(session: Session, job_id: str, worker_id: str) -> Job | None:
    row = _leased_row(session, job_id, worker_id)
    if row is None:
        return None
    row.error_code, row.error_message = ERR_CANCELLED, "cancelled while running"
    _end(row, CANCELLED, utcnow())
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
            _end(row, CANCELLED, now)
        elif row.attempts >= row.max_attempts:
            row.error_code = ERR_WORKER_LOST
            row.error_message = (f"the worker running this task stopped {row.attempts} times; "
                                 "it was given up and the credits were refunded")
            _end(row, FAILED, now)
            _refund(session, row, "task failed")
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


# ---- webhooks: an outbox, so each is sent once ---------------------------------------------


@dataclass(frozen=True)
class WebhookDelivery:
    job: Job
    url: str
    token: str | None


def claim_webhook(session: Session, job_id: str) -> WebhookDelivery | None:
    result = session.execute(
        update(JobRow).where(JobRow.id == job_id, JobRow.webhook_state == "pending")
        .values(webhook_state="sending").execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    row = session.get(JobRow, job_id, populate_existing=True)
    return WebhookDelivery(Job.from_row(row), row.webhook_url or "", row.webhook_token)


def record_webhook(session: Session, job_id: str, sent: bool, result: str) -> None:
    session.execute(
        update(JobRow).where(JobRow.id == job_id)
        .values(webhook_state="sent" if sent else "failed", webhook_result=result[:255])
        .execution_options(synchronize_session=False)
    )


def pending_webhooks(session: Session, limit: int = 50) -> list[str]:
    return list(session.scalars(select(JobRow.id).where(JobRow.webhook_state == "pending").limit(limit)))
