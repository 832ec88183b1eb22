"""The generic task record (videotwin's /api/v1/jobs, and the data of every webhook)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from videotwin.api.schemas.common import Out

# Our job states -> A2E's generic task status words.
CURRENT_STATUS = {
    "queued": "initialized",
    "running": "processing",
    "succeeded": "completed",
    "failed": "failed",
    "cancelled": "failed",
}


class JobOut(Out):
    id: str = Field(serialization_alias="_id")
    name: str
    kind: str = Field(description="job kind, e.g. video.generate")
    status: str = Field(description="queued, running, succeeded, failed or cancelled")
    current_status: str = Field(description="A2E words: initialized, processing, completed, failed")
    process: int = Field(description="progress 0-100")
    attempts: int
    coins: int = Field(description="what the task cost (in its currency)")
    currency: str
    hasRefundCoin: bool
    failed_code: int
    failed_message: str
    result_url: str | None
    outputs: dict[str, Any]
    createdAt: str | None
    updatedAt: str | None
    startedAt: str | None
    finishedAt: str | None
