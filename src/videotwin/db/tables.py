"""Table rows. Domain code turns these into domain objects; the API never sees them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from videotwin.db.types import UTCDateTime

ID_LEN = 24  # ObjectId-style ids: 24 hex digits
# jobs.webhook_state: an outbox, so each webhook goes out once (domain/outbox.py).
WEBHOOK_NONE, WEBHOOK_PENDING, WEBHOOK_SENDING = "none", "pending", "sending"
WEBHOOK_SENT, WEBHOOK_FAILED = "sent", "failed"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("coins >= 0", name="coins_not_negative"),
        CheckConstraint("diamonds >= 0", name="diamonds_not_negative"),
    )

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    coins: Mapped[int] = mapped_column(Integer, default=0)
    diamonds: Mapped[int] = mapped_column(Integer, default=0)
    # video/auto-public-pool: send this user's videos to the shared worker pool even when a dedicated
    # pool is configured for them.
    auto_public_pool: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TokenRow(Base):
    """API keys (kind 'api', sk_...) and login sessions (kind 'login'). Only a hash is stored."""

    __tablename__ = "tokens"

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What the token list shows: the first and last few characters.
    display: Mapped[str] = mapped_column(String(64))
    alias: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CreditEntryRow(Base):
    """The ledger: every change of a balance, written in the same transaction as the change."""

    __tablename__ = "credit_entries"
    __table_args__ = (Index("ix_credit_entries_user_created", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(16))
    job_id: Mapped[str | None] = mapped_column(String(ID_LEN), nullable=True, index=True)
    note: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JobRow(Base):
    """A unit of queued work. This row is the truth; only its id travels through the queue."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_owner_kind_created", "owner_id", "kind", "created_at"),
        Index("ix_jobs_status_lease", "status", "lease_expires_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255), default="")
    queue: Mapped[str] = mapped_column(String(64), default="default")
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[float] = mapped_column(default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    lease_owner: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    cost_currency: Mapped[str] = mapped_column(String(16), default="coins")
    cost_amount: Mapped[int] = mapped_column(Integer, default=0)
    refunded: Mapped[bool] = mapped_column(Boolean, default=False)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error_code: Mapped[int] = mapped_column(Integer, default=0)
    error_message: Mapped[str] = mapped_column(Text, default="")
    webhook_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    webhook_token: Mapped[str | None] = mapped_column(String(256), nullable=True)
    webhook_state: Mapped[str] = mapped_column(String(16), default=WEBHOOK_NONE)
    webhook_result: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WorkerRow(Base):
    """Workers announce themselves so /health and operators can see who is alive."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TaskRecordColumns:
    """The columns of every task record table (domain/tasks.py): a record of one A2E task group,
    pointing at its current job (a retry points it at a new one). Its id is its first job's id."""

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(String(ID_LEN), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserVoiceRow(TaskRecordColumns, Base):
    """A cloned voice. Its training is a job (kind voice.clone); the learned profile is that job's output."""

    __tablename__ = "user_voices"
    __table_args__ = (Index("ix_user_voices_owner_created", "owner_id", "created_at"),)

    name: Mapped[str] = mapped_column(String(128))
    gender: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    denoise: Mapped[bool] = mapped_column(Boolean, default=False)
    voice_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    base_voice_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VideoTwinRow(TaskRecordColumns, Base):
    """An avatar being made from a video or photo (A2E's "video twin"); its making is a job."""

    __tablename__ = "video_twins"
    __table_args__ = (Index("ix_video_twins_owner_created", "owner_id", "created_at"),)

    anchor_id: Mapped[str] = mapped_column(String(ID_LEN))
    name: Mapped[str] = mapped_column(String(128))
    gender: Mapped[str] = mapped_column(String(16))
    source_kind: Mapped[str] = mapped_column(String(16))  # video | image
    source_url: Mapped[str] = mapped_column(String(2048))
    background_image: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    background_color: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Made by the operator for every user (its anchor has no owner and anchor_type 0).
    system: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AnchorRow(Base):
    """What video generation speaks through. System anchors (anchor_type 0) have no owner."""

    __tablename__ = "anchors"

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True,
                                                 index=True)
    anchor_type: Mapped[int] = mapped_column(Integer)  # 0 system, 1 custom
    twin_id: Mapped[str] = mapped_column(String(ID_LEN), index=True)
    job_id: Mapped[str] = mapped_column(String(ID_LEN))
    name: Mapped[str] = mapped_column(String(128))
    gender: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BackgroundRow(Base):
    """A user's own background image (custom_back/add). System backgrounds ship with videotwin."""

    __tablename__ = "backgrounds"

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    image_key: Mapped[str] = mapped_column(String(1024))
    source_url: Mapped[str] = mapped_column(String(2048))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LipsyncModelRow(TaskRecordColumns, Base):
    """One continue-training run of an avatar (userVideoTwin/continueTraining). Its job's outputs hold
    the model file, the held-out metrics and whether it was switched in."""

    __tablename__ = "lipsync_models"

    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    twin_id: Mapped[str] = mapped_column(String(ID_LEN), index=True)
    anchor_id: Mapped[str] = mapped_column(String(ID_LEN), index=True)


class AvatarVideoRow(TaskRecordColumns, Base):
    """An avatar video (video/generate). Everything about it is in its job: inputs, status, result."""

    __tablename__ = "avatar_videos"
    __table_args__ = (Index("ix_avatar_videos_owner_created", "owner_id", "created_at"),)


class TalkingPhotoRow(TaskRecordColumns, Base):
    """A talking photo (talkingPhoto/start). Its inputs, status and result are its job's."""

    __tablename__ = "talking_photos"
    __table_args__ = (Index("ix_talking_photos_owner_created", "owner_id", "created_at"),)

    name: Mapped[str] = mapped_column(String(128))


class TalkingVideoRow(TaskRecordColumns, Base):
    """A talking video (talkingVideo/start). Its inputs, status and result are its job's."""

    __tablename__ = "talking_videos"
    __table_args__ = (Index("ix_talking_videos_owner_created", "owner_id", "created_at"),)

    name: Mapped[str] = mapped_column(String(128))


class CaptionRemovalRow(TaskRecordColumns, Base):
    """A caption removal (userCaptionRemoval/start). Its inputs, status and result are its job's."""

    __tablename__ = "caption_removals"
    __table_args__ = (Index("ix_caption_removals_owner_created", "owner_id", "created_at"),)

    name: Mapped[str] = mapped_column(String(128))
    source_url: Mapped[str] = mapped_column(String(2048))
