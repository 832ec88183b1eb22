"""Wire shapes of caption removal (userCaptionRemoval/*)."""

from __future__ import annotations

from pydantic import Field

from videotwin.wire.common import Body, TaskFields


class StartBody(Body):
    name: str = Field(max_length=128)
    source_url: str = Field(max_length=2048, description="the video whose burned-in captions and overlay text "
                                                         "are taken out (MP4 or MOV)")
    webhook_url: str | None = Field(default=None, max_length=2048)
    webhook_token: str | None = Field(default=None, max_length=256)


class CaptionRemovalOut(TaskFields):
    id: str = Field(serialization_alias="_id")
    name: str
    source_url: str
    current_status: str = Field(description="initialized, processing, completed or failed")
    result_url: str | None = Field(description="the video without its burned-in text, once completed")
    text_found: bool | None = Field(default=None, description="once completed: whether any burned-in text was "
                                                              "found (false: the result is the video unchanged)")
    notes: list[str] = Field(default=[], description="once completed: what the user should know about the result")
