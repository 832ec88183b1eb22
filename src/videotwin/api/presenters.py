"""Domain objects -> wire shapes (A2E spelling). Pure functions, also used by the worker's webhooks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from videotwin.api.schemas.accounts import CreditEntryOut, TokenOut, UserOut
from videotwin.api.schemas.common import iso
from videotwin.api.schemas.jobs import JobOut
from videotwin.api.schemas.videos import VideoOut
from videotwin.domain.accounts import Token, User
from videotwin.domain.credits import CreditEntry
from videotwin.domain.jobs import DEFAULT_QUEUE, SUCCEEDED, Job, StatusWords

UrlFor = Callable[[str], str]
FILES_OUTPUT = "files"  # outputs["files"] maps a name to a blob key; presented as <name>_url
# A2E's words for tasks in general.
GENERIC_WORDS = StatusWords(accepted="initialized", requeued="initialized")


def task_fields(job: Job, created_at: datetime | None = None) -> dict[str, Any]:
    """The fields every task record shares (TaskFields), from the job behind the record."""
    return {"process": round(job.progress * 100), "coins": job.cost_amount, "hasRefundCoin": job.refunded,
            "failed_code": job.error_code, "failed_message": job.error_message,
            "createdAt": iso(created_at or job.created_at), "updatedAt": iso(job.updated_at)}


def job_out(job: Job, url_for: UrlFor) -> JobOut:
    files = job.outputs.get(FILES_OUTPUT, {}) if job.status == "succeeded" else {}
    outputs: dict[str, Any] = {k: v for k, v in job.outputs.items() if k != FILES_OUTPUT}
    outputs.update({f"{name}_url": url_for(key) for name, key in files.items()})
    return JobOut(
        id=job.id, name=job.name, kind=job.kind, status=job.status,
        current_status=GENERIC_WORDS.of(job), attempts=job.attempts, currency=job.cost_currency,
        result_url=outputs.get("result_url"), outputs=outputs, startedAt=iso(job.started_at),
        finishedAt=iso(job.finished_at), **task_fields(job),
    )


def video_out(job: Job, url_for: UrlFor) -> VideoOut:
    """An avatar video (video.generate) as A2E's video record."""
    from videotwin.domain.videos import status_word  # here: it brings the speech stack along

    files = job.outputs.get(FILES_OUTPUT, {}) if job.status == SUCCEEDED else {}
    inputs = job.inputs
    return VideoOut(
        id=job.id, title=job.name, status=status_word(job), anchor_id=inputs["anchor"]["id"],
        anchor_type=inputs.get("anchor_type"), audioSrc=inputs.get("audio_url"), msg=inputs.get("text"),
        resolution=inputs.get("resolution", 1080),
        result=url_for(files["result"]) if "result" in files else None,
        result_people_url=url_for(files["people"]) if "people" in files else None,
        result_bg_url=url_for(files["bg"]) if "bg" in files else None,
        duration=job.outputs.get("duration"), isToPublicPool=job.queue == DEFAULT_QUEUE, **task_fields(job))


# Products whose webhook carries their own A2E record rather than the generic job record.
RECORDS: dict[str, Callable[[Job, UrlFor], Any]] = {"video.generate": video_out}


def job_record(job: Job, url_for: UrlFor) -> dict[str, Any]:
    present = RECORDS.get(job.kind, job_out)
    return present(job, url_for).model_dump(mode="json", by_alias=True)


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
