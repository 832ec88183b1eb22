"""Domain objects -> wire shapes (A2E spelling) that no single task group owns: the fields every task
record shares, the generic task record, accounts and credits. Pure functions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from videotwin.domain.accounts import Token, User
from videotwin.domain.credits import CreditEntry
from videotwin.domain.jobs import SUCCEEDED, Job, StatusWords
from videotwin.pipelines.base import AnyOutputs
from videotwin.wire.accounts import CreditEntryOut, TokenOut, UserOut
from videotwin.wire.common import iso
from videotwin.wire.jobs import JobOut

UrlFor = Callable[[str], str]
# A2E's words for tasks in general.
GENERIC_WORDS = StatusWords(accepted="initialized", requeued="initialized")


def task_fields(job: Job, created_at: datetime | None = None) -> dict[str, Any]:
    """The fields every task record shares (TaskFields), from the job behind the record."""
    return {"process": round(job.progress * 100), "coins": job.cost_amount, "hasRefundCoin": job.refunded,
            "failed_code": job.error_code, "failed_message": job.error_message,
            "createdAt": iso(created_at or job.created_at), "updatedAt": iso(job.updated_at)}


def url_or_none(url_for: UrlFor, key: str | None) -> str | None:
    return url_for(key) if key else None


def job_out(job: Job, url_for: UrlFor) -> JobOut:
    """Any job as the generic task record: its outputs, with each stored file as <name>_url."""
    stored = AnyOutputs.model_validate(job.outputs)
    outputs: dict[str, Any] = dict(stored.model_extra or {})
    if job.status == SUCCEEDED:
        outputs.update({f"{name}_url": url_for(key) for name, key in stored.files.items() if key})
    return JobOut(
        id=job.id, name=job.name, kind=job.kind, status=job.status,
        current_status=GENERIC_WORDS.of(job), attempts=job.attempts, currency=job.cost_currency,
        result_url=outputs.get("result_url"), outputs=outputs, startedAt=iso(job.started_at),
        finishedAt=iso(job.finished_at), **task_fields(job),
    )


def token_out(token: Token, plaintext: str | None = None) -> TokenOut:
    return TokenOut(id=token.id, alias=token.alias, token=plaintext or token.display,
                    createdAt=iso(token.created_at))


def user_out(user: User, generated_password: str | None = None) -> UserOut:
    return UserOut(id=user.id, username=user.username, coins=user.coins, diamonds=user.diamonds,
                   createdAt=iso(user.created_at), password=generated_password)


def credit_entry_out(e: CreditEntry) -> CreditEntryOut:
    return CreditEntryOut(
        id=e.id, currency=e.currency, amount=e.amount,
        coins=e.amount if e.currency == "coins" else 0, diamonds=e.amount if e.currency == "diamonds" else 0,
        balance=e.balance_after, type=e.reason, is_consumption=e.amount < 0, task_id=e.job_id,
        description=e.note, createdAt=iso(e.created_at),
    )
