"""userCaptionRemoval: a video with its burned-in captions and overlay text taken out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from videotwin.db.tables import CaptionRemovalRow
from videotwin.domain import caption_removal
from videotwin.domain.jobs import Job
from videotwin.domain.tasks import Submission
from videotwin.families.base import Family, UrlFor, generic_routes
from videotwin.pipelines import caption_remove
from videotwin.wire.captions import CaptionRemovalOut, StartBody
from videotwin.wire.presenters import GENERIC_WORDS, task_fields, url_or_none

if TYPE_CHECKING:
    from videotwin.domain.ports import Services


def build(services: Services, owner_id: str, body: StartBody) -> Submission:
    return caption_removal.submission(name=body.name, source_url=body.source_url, webhook_url=body.webhook_url,
                                      webhook_token=body.webhook_token)


@dataclass(frozen=True)
class CaptionRemoval:
    id: str
    name: str
    source_url: str
    created_at: datetime
    job: Job


def record(session: Session, row: CaptionRemovalRow, job: Job) -> CaptionRemoval:
    return CaptionRemoval(row.id, row.name, row.source_url, row.created_at, job)


def present(r: CaptionRemoval, url_for: UrlFor) -> CaptionRemovalOut:
    done = r.job.result(caption_remove.Outputs)  # typed outputs; None until it succeeded
    return CaptionRemovalOut(id=r.id, name=r.name, source_url=r.source_url, current_status=GENERIC_WORDS.of(r.job),
                             result_url=url_or_none(url_for, done and done.files.result),
                             text_found=done.text_found if done else None,
                             notes=list(done.notes) if done else [], **task_fields(r.job, r.created_at))


FAMILY = Family(
    noun="caption removal", pipeline=caption_remove.PIPELINE, words=GENERIC_WORDS, price=caption_removal.price,
    table=CaptionRemovalRow, record=record, build=build, present=present, out=CaptionRemovalOut,
    routes=generic_routes("/api/v1/userCaptionRemoval", "caption removal", StartBody),
)
