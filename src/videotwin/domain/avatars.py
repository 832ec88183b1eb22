"""Avatars ("video twins") and their anchors. Making an avatar is a job of kind avatar.create whose
task record is the avatar; its anchor (what video/generate speaks through) is recorded with it and
becomes usable when the job completes. The avatar's pack is that job's outputs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session, aliased

from videotwin.config import Prices
from videotwin.db.tables import AnchorRow, JobRow, LipsyncModelRow, VideoTwinRow
from videotwin.domain import jobs, lipsync_models
from videotwin.domain.jobs import Cost, Job
from videotwin.domain.tasks import IN_PROGRESS, Submission
from videotwin.errors import BadInput
from videotwin.ids import is_id, new_id, utcnow
from videotwin.pipelines import avatar_create
from videotwin.pipelines.pack import AvatarPack
from videotwin.storage.fetch import check_url

if TYPE_CHECKING:
    from videotwin.domain.ports import Services

GENDERS = ("female", "male")
SYSTEM, CUSTOM = 0, 1
MAX_NAME_CHARS = 128
DEFAULT_NAME = "My avatar"
# A2E's video-twin words: initialized (accepted), sent (queued again after a worker stopped), ...
STATUS_WORDS = jobs.StatusWords(accepted="initialized", requeued="sent")


@dataclass(frozen=True)
class Twin:
    id: str
    owner_id: str
    name: str
    gender: str
    source_kind: str  # video | image
    source_url: str
    background_image: str | None
    background_color: str | None
    anchor_id: str
    system: bool
    created_at: datetime
    updated_at: datetime
    job: Job  # the making
    training: Job | None = None  # the newest continue-training run, if any
    model: lipsync_models.InUse | None = None

    @property
    def ready(self) -> bool:
        return self.job.status == jobs.SUCCEEDED

    @property
    def latest_job(self) -> Job:
        """The job the record's status follows: the making, then each continue-training run."""
        return self.training if self.training is not None and self.ready else self.job

    @property
    def current_status(self) -> str:
        return STATUS_WORDS.of(self.latest_job)

    @cached_property
    def pack(self) -> AvatarPack | None:
        return self.job.result(AvatarPack)


def twin(session: Session, row: VideoTwinRow, job: Job) -> Twin:
    """The avatar group's record, with its training history."""
    history = lipsync_models.runs(session, None, row.id)
    return Twin(row.id, row.owner_id, row.name, row.gender, row.source_kind, row.source_url, row.background_image,
                row.background_color, row.anchor_id, row.system, row.created_at, row.updated_at, job,
                history[0].job if history else None, lipsync_models.in_use_of(history))


def display_name(name: str | None) -> str:
    """An avatar's name as it is kept."""
    return (name or "").strip() or DEFAULT_NAME


def system_avatar_named(session: Session, name: str) -> Twin | None:
    """The system avatar of this name as it is kept (the newest, should there be several from before
    names were unique)."""
    row = session.scalar(select(VideoTwinRow).where(VideoTwinRow.system.is_(True),
                                                    VideoTwinRow.name == display_name(name))
                         .order_by(VideoTwinRow.created_at.desc()).limit(1))
    if row is None:
        return None
    return twin(session, row, jobs.get_any(session, row.job_id))


def price(prices: Prices, inputs: avatar_create.Inputs) -> Cost | None:
    """A2E charges avatars from a video in coins and photo avatars in diamonds."""
    if inputs.source_kind == "video":
        return Cost("coins", prices.avatar_create_coins) if prices.avatar_create_coins else None
    return Cost("diamonds", prices.photo_avatar_diamonds) if prices.photo_avatar_diamonds else None


def submission(services: Services, *, name: str | None, gender: str, video_url: str | None,
               image_url: str | None, background_image: str | None = None, background_color: str | None = None,
               system: bool = False, webhook_url: str | None = None, webhook_token: str | None = None) -> Submission:
    """The input builder: check an avatar request (what can be checked without the media)."""
    if (video_url is None) == (image_url is None):
        raise BadInput("video_url", "give exactly one of video_url (a video of the person talking) or image_url")
    kind, url = ("video", video_url) if video_url is not None else ("image", image_url)
    check_url(url, f"{kind}_url")
    if gender not in GENDERS:
        raise BadInput("gender", f"{gender!r} is not one of {', '.join(GENDERS)}")
    name = display_name(name)
    if len(name) > MAX_NAME_CHARS:
        raise BadInput("name", f"is {len(name)} characters; at most {MAX_NAME_CHARS} are accepted")
    if background_image is not None:
        check_url(background_image, "video_background_image")
    inputs = avatar_create.Inputs(source_kind=kind, url=url, gender=gender,
                                  min_seconds=services.settings.min_training_seconds)
    return Submission(inputs=inputs, name=name, webhook_url=webhook_url, webhook_token=webhook_token, columns={
        "anchor_id": new_id(), "name": name, "gender": gender, "source_kind": kind, "source_url": url,
        "background_image": background_image, "background_color": background_color, "system": system,
        "updated_at": utcnow()})


def attach_anchor(session: Session, row: VideoTwinRow, job: Job) -> None:
    """The avatar's anchor follows its making job (a retry makes it again)."""
    anchor = session.get(AnchorRow, row.anchor_id)
    if anchor is None:
        session.add(AnchorRow(id=row.anchor_id, owner_id=None if row.system else row.owner_id,
                              anchor_type=SYSTEM if row.system else CUSTOM, twin_id=row.id, job_id=job.id,
                              name=row.name, gender=row.gender, created_at=row.created_at))
    else:
        anchor.job_id = job.id


def detach(session: Session, row: VideoTwinRow) -> list[str]:
    """Removing an avatar removes its anchor and its personalised models (a training still running is
    told to stop, a queued one is cancelled and refunded); their jobs' files go too."""
    training_jobs = lipsync_models.remove_for_twin(session, row.owner_id, row.id)
    anchor = session.get(AnchorRow, row.anchor_id)
    if anchor is not None:
        session.delete(anchor)
    return training_jobs


def in_progress(table: type[VideoTwinRow]) -> ColumnElement[bool]:
    """Being made, or being trained further (the record's status follows the training then)."""
    run_job = aliased(JobRow)
    training = exists(select(LipsyncModelRow.id).join(run_job, run_job.id == LipsyncModelRow.job_id)
                      .where(LipsyncModelRow.twin_id == table.id, run_job.status.in_(IN_PROGRESS)))
    return or_(JobRow.status.in_(IN_PROGRESS), training)


# ---- anchors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    id: str
    owner_id: str | None
    anchor_type: int
    twin_id: str
    name: str
    gender: str
    created_at: datetime
    job: Job

    @property
    def ready(self) -> bool:
        return self.job.status == jobs.SUCCEEDED

    @cached_property
    def pack(self) -> AvatarPack | None:
        return self.job.result(AvatarPack)


def _anchor(row: AnchorRow, job: JobRow) -> Anchor:
    return Anchor(row.id, row.owner_id, row.anchor_type, row.twin_id, row.name, row.gender, row.created_at,
                  Job.from_row(job))


def anchors(session: Session, owner_id: str, *, anchor_type: int | None = None, twin_id: str | None = None,
            ready_only: bool = True) -> list[Anchor]:
    """The user's own anchors and the system ones, newest first."""
    conds = [or_(AnchorRow.owner_id == owner_id, AnchorRow.owner_id.is_(None))]
    if anchor_type is not None:
        conds.append(AnchorRow.anchor_type == anchor_type)
    if twin_id is not None:
        conds.append(AnchorRow.twin_id == twin_id)
    if ready_only:
        conds.append(JobRow.status == jobs.SUCCEEDED)
    rows = session.execute(select(AnchorRow, JobRow).join(JobRow, JobRow.id == AnchorRow.job_id).where(*conds)
                           .order_by(AnchorRow.created_at.desc(), AnchorRow.id.desc())).all()
    return [_anchor(r, j) for r, j in rows]


def usable_anchor(session: Session, owner_id: str, anchor_id: str, field: str = "anchor_id") -> Anchor:
    row = session.get(AnchorRow, anchor_id) if is_id(anchor_id) else None
    if row is None or (row.owner_id is not None and row.owner_id != owner_id):
        raise BadInput(field, f"no avatar {anchor_id!r} (it may have been removed)")
    anchor = _anchor(row, session.get(JobRow, row.job_id))
    if not anchor.ready:
        raise BadInput(field, f"avatar {anchor_id!r} is not ready yet")
    return anchor
