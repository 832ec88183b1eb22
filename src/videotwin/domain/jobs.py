"""Jobs: states, credit reservation, and what users do with a job (submit, read, cancel, delete).

States: queued -> running -> succeeded | failed | cancelled; queued -> cancelled.
What workers do (leases, heartbeats, the reaper) is in domain/leases.py; webhooks go through the
outbox (domain/outbox.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from videotwin.db.tables import WEBHOOK_NONE, WEBHOOK_PENDING, JobRow
from videotwin.domain import credits
from videotwin.errors import BadInput, InvalidState, NotFound
from videotwin.ids import is_id, new_id, utcnow

if TYPE_CHECKING:
    from videotwin.domain.ports import Services

T = TypeVar("T", bound=BaseModel)

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

    def inputs_as(self, kind: type[T]) -> T:
        """The inputs as their pipeline's Inputs type."""
        return kind.model_validate(self.inputs)

    def result(self, kind: type[T]) -> T | None:
        """The outputs of a job that succeeded, as its pipeline's Outputs type; None before (or if not)."""
        return kind.model_validate(self.outputs) if self.status == SUCCEEDED else None

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
    session: Session, *, owner_id: str, kind: str, inputs: BaseModel, max_attempts: int,
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
        refunded=False, inputs=inputs.model_dump(mode="json"), outputs={}, error_code=0, error_message="",
        webhook_url=webhook_url, webhook_token=webhook_token, webhook_state=WEBHOOK_NONE, webhook_result="",
        created_at=now, updated_at=now, enqueued_at=now,
    )
    session.add(row)
    session.flush()
    if cost and cost.amount > 0:
        credits.spend(session, owner_id, cost.currency, cost.amount, job_id=row.id, note=f"{kind} {row.id}")
    return Job.from_row(row)


def start(
    services: Services, *, owner_id: str, kind: str, inputs: BaseModel, name: str = "",
    cost: Cost | None = None, webhook_url: str | None = None, webhook_token: str | None = None,
    queue: str = DEFAULT_QUEUE,
) -> Job:
    """Record and charge a job, then send its id to its pool's queue (a task group's start goes
    through domain/tasks.py, which records its task record in the same transaction)."""
    with services.db.write() as session:
        job = submit(session, owner_id=owner_id, kind=kind, inputs=inputs, name=name, cost=cost,
                     webhook_url=webhook_url, webhook_token=webhook_token,
                     max_attempts=services.settings.job_max_attempts, queue=queue)
    services.queue.enqueue(job.id, queue=queue)
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


def refund(session: Session, row: JobRow, note: str) -> None:
    if row.cost_amount > 0 and not row.refunded:
        credits.grant(session, row.owner_id, row.cost_currency, row.cost_amount, reason=credits.REFUND,
                      job_id=row.id, note=note)
        row.refunded = True


def finish(row: JobRow, status: str, now: datetime) -> None:
    row.status = status
    row.finished_at = now
    row.updated_at = now
    row.lease_owner = None
    row.lease_expires_at = None
    if row.webhook_url:
        row.webhook_state = WEBHOOK_PENDING  # the outbox sends it once this commits


def cancel(session: Session, owner_id: str, job_id: str, kinds: Sequence[str] | None = None) -> Job:
    """Cancel a job. Queued: cancelled now and refunded in full. Running: the worker stops at its
    next check; the work already done is charged. Finished: refused."""
    row = _owned_row(session, owner_id, job_id, kinds)
    now = utcnow()
    if row.status == QUEUED:
        row.error_code, row.error_message = ERR_CANCELLED, "cancelled before it started; credits refunded"
        finish(row, CANCELLED, now)
        refund(session, row, "cancelled before start")
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
