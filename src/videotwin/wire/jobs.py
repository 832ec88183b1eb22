"""The generic task record (videotwin's /api/v1/jobs, and the data of every webhook)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from videotwin.wire.common import TaskFields


class JobOut(TaskFields):
    id: str = Field(serialization_alias="_id")
    name: str
    kind: str = Field(description="job kind, e.g. video.generate")
    status: str = Field(description="queued, running, succeeded, failed or cancelled")
    current_status: str = Field(description="A2E words: initialized, processing, completed, failed")
    attempts: int
    currency: str
    result_url: str | None
    outputs: dict[str, Any]
    startedAt: str | None
    finishedAt: str | None
