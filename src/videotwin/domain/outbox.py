"""The webhook outbox: a job that ends with a webhook_url is marked pending in the transaction that
ends it (jobs.finish), and exactly one sender claims it afterwards: each webhook goes out once, even
with several workers, and none is lost if a worker dies before sending (the reaper sends pending ones)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from videotwin.db.tables import WEBHOOK_FAILED, WEBHOOK_PENDING, WEBHOOK_SENDING, WEBHOOK_SENT, JobRow
from videotwin.domain.jobs import Job


@dataclass(frozen=True)
class WebhookDelivery:
    job: Job
    url: str
    token: str | None


def claim_webhook(session: Session, job_id: str) -> WebhookDelivery | None:
    result = session.execute(
        update(JobRow).where(JobRow.id == job_id, JobRow.webhook_state == WEBHOOK_PENDING)
        .values(webhook_state=WEBHOOK_SENDING).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    row = session.get(JobRow, job_id, populate_existing=True)
    return WebhookDelivery(Job.from_row(row), row.webhook_url or "", row.webhook_token)


def record_webhook(session: Session, job_id: str, sent: bool, result: str) -> None:
    session.execute(
        update(JobRow).where(JobRow.id == job_id)
        .values(webhook_state=WEBHOOK_SENT if sent else WEBHOOK_FAILED, webhook_result=result[:255])
        .execution_options(synchronize_session=False)
    )


def pending_webhooks(session: Session, limit: int = 50) -> list[str]:
    return list(session.scalars(select(JobRow.id).where(JobRow.webhook_state == WEBHOOK_PENDING).limit(limit)))
