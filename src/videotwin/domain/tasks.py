"""Task records: the records behind an A2E task group, and what every group does with them.

A task group (declared once in families/) keeps its records in a table of its own
(db.tables.TaskRecordColumns plus the group's columns). A record points at its current job, which
holds the status, progress, price, typed inputs and outputs; a retry points the record at a new job.
A record's id is its first job's id. The use cases here are the same for every group: start, read
(one, several, a page, those in progress), delete, cancel and retry; what differs between groups is
in their declaration (TaskGroup)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from videotwin.config import Prices
from videotwin.db.tables import JobRow
from videotwin.domain import jobs
from videotwin.domain.jobs import Cost, Job
from videotwin.errors import InvalidState, NotFound
from videotwin.ids import is_id, utcnow
from videotwin.pipelines.base import JobInputs, Pipeline
from videotwin.storage.keys import job_prefix

if TYPE_CHECKING:
    from videotwin.domain.ports import Services

Rec = TypeVar("Rec")
IN_PROGRESS = (jobs.QUEUED, jobs.RUNNING)


class Deletion(enum.Enum):
    """What deleting a record does to a job still queued or running (a finished one: the record and
    its files are deleted)."""

    # A2E's rule for tasks: queued -> cancelled and refunded (the record stays, failed); running -> refused.
    CANCEL_QUEUED = "cancel-queued"
    # queued -> cancelled, refunded and deleted; running -> refused (wait for it to end).
    DISCARD_QUEUED = "discard-queued"
    # Whatever runs is stopped (a queued job refunded), and the record is deleted at once.
    STOP = "stop"


@dataclass(frozen=True)
class Submission:
    """What a group's input builder makes of a request: the job's typed inputs and the record's own
    columns. Everything that can be checked without the media has been checked."""

    inputs: JobInputs
    name: str
    columns: dict[str, Any] = field(default_factory=dict)
    queue: str = jobs.DEFAULT_QUEUE
    webhook_url: str | None = None
    webhook_token: str | None = None


# The defaults of a group's optional parts.
def admit_all(session: Session, owner_id: str, submission: Submission) -> None:
    return None


def attach_nothing(session: Session, row: Any, job: Job) -> None:
    return None


def detach_nothing(session: Session, row: Any) -> list[str]:
    return []


def queued_or_running(table: type) -> ColumnElement[bool]:
    return JobRow.status.in_(IN_PROGRESS)


class TaskGroup(Protocol[Rec]):
    """The domain's view of a task group's declaration (families.base.Family)."""

    noun: str  # in messages: "no avatar 'x'"
    pipeline: Pipeline  # its job kind, with the typed Inputs and Outputs
    table: type  # its record table (TaskRecordColumns + its own columns)
    price: Callable[[Prices, JobInputs], Cost | None]
    record: Callable[[Session, Any, Job], Rec]  # row + job -> the group's domain object
    deletion: Deletion
    # Checks made in the write transaction that records the job (one training at a time, ...).
    admit: Callable[[Session, str, Submission], None]
    # Rows of its own kept with the record's job (an avatar's anchor), on start and on retry.
    attach: Callable[[Session, Any, Job], None]
    # Rows of its own deleted with the record; the ids of their jobs, whose files go too.
    detach: Callable[[Session, Any], list[str]]
    # Which records are "in progress" (allProcessing); default: the record's job is queued or running.
    in_progress: Callable[[type], ColumnElement[bool]]


# ---- start -------------------------------------------------------------------------------------


def start(services: Services, group: TaskGroup[Rec], owner_id: str, submission: Submission,
          charge: bool = True) -> Rec:
    """Record the job and the record in one transaction (charging the price unless charge=False),
    then send the job to its pool's queue."""
    cost = group.price(services.settings.prices, submission.inputs) if charge else None
    with services.db.write() as session:
        group.admit(session, owner_id, submission)
        job = jobs.submit(session, owner_id=owner_id, kind=group.pipeline.kind, inputs=submission.inputs,
                          name=submission.name, cost=cost, webhook_url=submission.webhook_url,
                          webhook_token=submission.webhook_token, queue=submission.queue,
                          max_attempts=services.settings.job_max_attempts)
        row = group.table(id=job.id, owner_id=owner_id, job_id=job.id, created_at=job.created_at,
                          **submission.columns)
        session.add(row)
        session.flush()
        group.attach(session, row, job)
        record = group.record(session, row, job)
    services.queue.enqueue(job.id, queue=submission.queue)
    return record


# ---- reading -----------------------------------------------------------------------------------


def _owned(session: Session, group: TaskGroup, owner_id: str, record_id: str) -> tuple[Any, JobRow]:
    row = session.get(group.table, record_id) if is_id(record_id) else None
    job = session.get(JobRow, row.job_id) if row is not None else None
    if row is None or row.owner_id != owner_id or job is None:
        raise NotFound(f"_id: no {group.noun} {record_id!r}")
    return row, job


def get(session: Session, group: TaskGroup[Rec], owner_id: str, record_id: str) -> Rec:
    """A record of this owner; another owner's answers exactly like a missing one."""
    row, job = _owned(session, group, owner_id, record_id)
    return group.record(session, row, Job.from_row(job))


def many(session: Session, group: TaskGroup[Rec], owner_id: str, ids: Sequence[str]) -> list[Rec]:
    """Records in the order asked for; ids of other owners' or deleted records are left out."""
    found = []
    for record_id in dict.fromkeys(ids):
        try:
            found.append(get(session, group, owner_id, record_id))
        except NotFound:
            continue
    return found


def page(session: Session, group: TaskGroup[Rec], owner_id: str, *, where: Sequence[ColumnElement[bool]] = (),
         page_num: int = 1, page_size: int | None = 10) -> tuple[list[Rec], int]:
    """One page of the owner's records, newest first, and how many there are in all (page_size None:
    all of them). `where`: conditions on the record table and its job (JobRow)."""
    table = group.table
    base = (select(table, JobRow).join(JobRow, JobRow.id == table.job_id)
            .where(table.owner_id == owner_id, *where))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    ordered = base.order_by(table.created_at.desc(), table.id.desc())
    if page_size is not None:
        ordered = ordered.offset((page_num - 1) * page_size).limit(page_size)
    return [group.record(session, row, Job.from_row(job)) for row, job in session.execute(ordered).all()], total


def with_status(statuses: Sequence[str]) -> ColumnElement[bool]:
    """A `where` condition: the record's job is in one of these states."""
    return JobRow.status.in_(statuses)


def in_progress(session: Session, group: TaskGroup[Rec], owner_id: str, limit: int | None = None) -> list[Rec]:
    """The owner's records being worked on (the group says what that means), newest first."""
    return page(session, group, owner_id, where=[group.in_progress(group.table)], page_size=limit)[0]


def for_job(session: Session, group: TaskGroup[Rec], job: Job) -> Rec | None:
    """The record whose current job this is (for its webhook); None if it was deleted."""
    row = session.scalar(select(group.table).where(group.table.job_id == job.id))
    return None if row is None else group.record(session, row, job)


# ---- changing ----------------------------------------------------------------------------------


def update(services: Services, group: TaskGroup[Rec], owner_id: str, record_id: str,
           change: Callable[[Any], None]) -> Rec:
    """Change a record's own columns (`change(row)`, e.g. a rename) and answer it as it now is."""
    with services.db.write() as session:
        row, job = _owned(session, group, owner_id, record_id)
        change(row)
        return group.record(session, row, Job.from_row(job))


def cancel(services: Services, group: TaskGroup[Rec], owner_id: str, record_id: str) -> Rec:
    """Queued: cancelled now and refunded. Running: the worker stops at its next check (the work done
    is charged). Ended: refused."""
    with services.db.write() as session:
        row, job = _owned(session, group, owner_id, record_id)
        cancelled = jobs.cancel(session, owner_id, job.id)
        return group.record(session, row, cancelled)


def delete(services: Services, group: TaskGroup[Rec], owner_id: str, record_id: str) -> None:
    """Delete a record and its files; what happens to a job still queued or running is the group's
    Deletion rule."""
    with services.db.write() as session:
        row, job = _owned(session, group, owner_id, record_id)
        if job.status == jobs.RUNNING and group.deletion is not Deletion.STOP:
            raise InvalidState(f"_id: {group.noun} {record_id!r} is still being made and cannot be deleted; "
                               "cancel it or wait until it has ended")
        was = job.status
        if was in IN_PROGRESS:
            jobs.cancel(session, owner_id, job.id)
            if was == jobs.QUEUED and group.deletion is Deletion.CANCEL_QUEUED:
                return  # A2E: a task not started is cancelled and refunded, and stays listed as failed
        gone = [row.job_id, *group.detach(session, row)]
        session.delete(row)
    for job_id in gone:  # the job rows stay: the credit history refers to them
        services.blobs.delete_prefix(job_prefix(owner_id, job_id))


def retry(services: Services, group: TaskGroup[Rec], owner_id: str, record_id: str) -> Rec:
    """Run a failed (or cancelled) record again with the same inputs, as a new job. It is charged
    again only if the earlier run was refunded (a run cancelled while running kept its charge)."""
    with services.db.write() as session:
        row, old = _owned(session, group, owner_id, record_id)
        if old.status not in (jobs.FAILED, jobs.CANCELLED):
            raise InvalidState(f"_id: {group.noun} {record_id!r} is {old.status}; only a failed task can be "
                               "retried")
        inputs = group.pipeline.inputs.model_validate(old.inputs)
        charged = old.cost_amount > 0 and not old.refunded
        cost = None if charged else group.price(services.settings.prices, inputs)
        job = jobs.submit(session, owner_id=owner_id, kind=old.kind, inputs=inputs, name=old.name, cost=cost,
                          webhook_url=old.webhook_url, webhook_token=old.webhook_token, queue=old.queue,
                          max_attempts=services.settings.job_max_attempts)
        before = row.job_id
        row.job_id = job.id
        if hasattr(row, "updated_at"):
            row.updated_at = utcnow()
        session.flush()
        group.attach(session, row, job)
        record = group.record(session, row, job)
    services.blobs.delete_prefix(job_prefix(owner_id, before))  # what the failed run left behind
    services.queue.enqueue(job.id, queue=job.queue)
    return record
