"""Avatars ("video twins") and their anchors. Making an avatar is a job of kind avatar.create; the
anchor is recorded when the request is accepted and becomes usable when the job completes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from videotwin.db.tables import AnchorRow, JobRow, VideoTwinRow
from videotwin.domain import jobs, lipsync_models
from videotwin.domain.errors import BadInput, NotFound
from videotwin.domain.ids import is_id, new_id, utcnow
from videotwin.storage.fetch import check_url
from videotwin.storage.keys import user_prefix

if TYPE_CHECKING:
    from videotwin.runtime import Runtime

KIND = "avatar.create"
GENDERS = ("female", "male")
SYSTEM, CUSTOM = 0, 1
# A2E's video-twin words: initialized (accepted), sent (queued again after a worker stopped), ...
STATUS_WORDS = jobs.StatusWords(accepted="initialized", requeued="sent")
# records?status= words -> job states
STATUS_FILTER = {"pending": [jobs.QUEUED], "processing": [jobs.RUNNING], "completed": [jobs.SUCCEEDED],
                 "failed": [jobs.FAILED, jobs.CANCELLED]}


@dataclass(frozen=True)
class Twin:
    id: str
    owner_id: str
    name: str
    gender: str
    source_kind: str
    source_url: str
    background_image: str | None
    background_color: str | None
    anchor_id: str
    created_at: datetime
    updated_at: datetime
    job: jobs.Job  # the making
    training: jobs.Job | None = None  # the newest continue-training run, if any
    model: lipsync_models.InUse | None = None

    @property
    def ready(self) -> bool:
        return self.job.status == jobs.SUCCEEDED

    @property
    def latest_job(self) -> jobs.Job:
        """The job the record's status follows: the making, then each continue-training run."""
        return self.training if self.training is not None and self.ready else self.job

    @property
    def current_status(self) -> str:
        return STATUS_WORDS.of(self.latest_job)

    @property
    def files(self) -> dict[str, str]:
        return self.job.outputs.get("files", {}) if self.job.status == jobs.SUCCEEDED else {}


@dataclass(frozen=True)
class Anchor:
    id: str
    owner_id: str | None
    anchor_type: int
    twin_id: str
    name: str
    gender: str
    created_at: datetime
    job: jobs.Job

    @property
    def ready(self) -> bool:
        return self.job.status == jobs.SUCCEEDED

    @property
    def files(self) -> dict[str, str]:
        return self.job.outputs.get("files", {}) if self.ready else {}


def _twin(row: VideoTwinRow, job: JobRow, session: Session | None = None) -> Twin:
    training, model = None, None
    if session is not None:
        history = lipsync_models.runs(session, None, row.id)
        training = history[0].job if history else None
        model = lipsync_models.in_use_of(history)
    return Twin(row.id, row.owner_id, row.name, row.gender, row.source_kind, row.source_url, row.background_image,
                row.background_color, row.anchor_id, row.created_at, row.updated_at, jobs.Job.from_row(job),
                training, model)


def _anchor(row: AnchorRow, job: JobRow) -> Anchor:
    return Anchor(row.id, row.owner_id, row.anchor_type, row.twin_id, row.name, row.gender, row.created_at,
                  jobs.Job.from_row(job))


def start(runtime: Runtime, *, owner_id: str, name: str | None, gender: str, video_url: str | None,
          image_url: str | None, background_image: str | None = None, background_color: str | None = None,
          system: bool = False, webhook_url: str | None = None, webhook_token: str | None = None) -> Twin:
    """Accept an avatar request: validate, charge, record the twin and its anchor, queue the job."""
    if (video_url is None) == (image_url is None):
        raise BadInput("video_url", "give exactly one of video_url (a video of the person talking) or image_url")
    kind, url = ("video", video_url) if video_url is not None else ("image", image_url)
    check_url(url, f"{kind}_url")
    if gender not in GENDERS:
        raise BadInput("gender", f"{gender!r} is not one of {', '.join(GENDERS)}")
    name = (name or "").strip() or "My avatar"
    if len(name) > 128:
        raise BadInput("name", f"is {len(name)} characters; at most 128 are accepted")
    if background_image is not None:
        check_url(background_image, "video_background_image")
    prices = runtime.settings.prices
    cost = jobs.Cost("coins", prices.avatar_create_coins) if kind == "video" else jobs.Cost(
        "diamonds", prices.photo_avatar_diamonds)
    if system or cost.amount == 0:
        cost = None
    with runtime.db.write() as session:
        twin_id, anchor_id = new_id(), new_id()
        job = jobs.submit(
            session, owner_id=owner_id, kind=KIND, name=name, max_attempts=runtime.settings.job_max_attempts,
            inputs={"source_kind": kind, "url": url, "gender": gender, "twin_id": twin_id,
                    "min_seconds": runtime.settings.min_training_seconds},
            cost=cost, webhook_url=webhook_url, webhook_token=webhook_token)
        now = utcnow()
        row = VideoTwinRow(id=twin_id, owner_id=owner_id, job_id=job.id, anchor_id=anchor_id, name=name, gender=gender,
                           source_kind=kind, source_url=url, background_image=background_image,
                           background_color=background_color, created_at=now, updated_at=now)
        session.add(row)
        session.add(AnchorRow(id=anchor_id, owner_id=None if system else owner_id,
                              anchor_type=SYSTEM if system else CUSTOM, twin_id=twin_id, job_id=job.id, name=name,
                              gender=gender, created_at=now))
        session.flush()
        twin = _twin(row, session.get(JobRow, job.id))
    runtime.queue.enqueue(job.id)
    return twin


def _owned(session: Session, owner_id: str, twin_id: str) -> tuple[VideoTwinRow, JobRow]:
    row = session.get(VideoTwinRow, twin_id) if is_id(twin_id) else None
    if row is None or row.owner_id != owner_id:
        raise NotFound(f"_id: no avatar {twin_id!r}")
    return row, session.get(JobRow, row.job_id)


def get(session: Session, owner_id: str, twin_id: str) -> Twin:
    return _twin(*_owned(session, owner_id, twin_id), session)


def many(session: Session, owner_id: str, ids: list[str]) -> list[Twin]:
    found = []
    for twin_id in ids:
        try:
            found.append(get(session, owner_id, twin_id))
        except NotFound:
            continue  # another user's or deleted: simply not listed
    return found


def records(session: Session, owner_id: str, *, status: str | None, page: int, page_size: int
            ) -> tuple[list[Twin], int]:
    conds = [VideoTwinRow.owner_id == owner_id]
    if status is not None:
        conds.append(JobRow.status.in_(STATUS_FILTER[status]))
    base = select(VideoTwinRow, JobRow).join(JobRow, JobRow.id == VideoTwinRow.job_id).where(*conds)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(VideoTwinRow.created_at.desc(), VideoTwinRow.id.desc())
                           .offset((page - 1) * page_size).limit(page_size)).all()
    return [_twin(r, j, session) for r, j in rows], total


def remove(runtime: Runtime, owner_id: str, twin_id: str) -> None:
    """Delete the avatar, its anchor, its personalised models and every file; a making or training
    still running is told to stop, a queued one is cancelled and refunded."""
    with runtime.db.write() as session:
        row, job = _owned(session, owner_id, twin_id)
        if job.status in (jobs.QUEUED, jobs.RUNNING):
            jobs.cancel(session, owner_id, job.id)
        training_jobs = lipsync_models.remove_for_twin(session, owner_id, twin_id)
        anchor = session.get(AnchorRow, row.anchor_id)
        if anchor is not None:
            session.delete(anchor)
        session.delete(row)
        job_id = job.id
    for removed in [job_id, *training_jobs]:
        runtime.blobs.delete_prefix(f"{user_prefix(owner_id)}jobs/{removed}/")


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
