"""Wire shapes of the avatar-video and background groups."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from videotwin.domain.videos import RESOLUTIONS
from videotwin.wire.common import Body, Out, TaskFields

URL = Field(default=None, max_length=2048)
# The editor canvas and the person's box on it, in the client's own units.
CANVAS_FIELDS = ("web_bg_width", "web_bg_height", "web_people_width", "web_people_height", "web_people_x",
                 "web_people_y")


class GenerateBody(Body):
    title: str | None = Field(default=None, max_length=200, description="at most 40 characters (checked)")
    audioSrc: str | None = Field(default=None, max_length=2048, description="the speech: any audio URL, e.g. "
                                                                            "from video/send_tts")
    msg: str | None = Field(default=None, max_length=20_000, description="or a text for the avatar to say")
    custom_voice: str | None = Field(default=None, max_length=64,
                                     description="with msg: a tts_id or one of your user_voice ids")
    anchor_id: str = Field(max_length=64)
    anchor_type: int = Field(ge=0, le=1, description="0 system avatar, 1 your own")
    resolution: int = Field(default=1080, ge=min(RESOLUTIONS), le=max(RESOLUTIONS),
                            description="the output's shorter side: 480, 720 or 1080")
    back_id: str | None = Field(default=None, max_length=64, description="a system background")
    custom_back_id: str | None = Field(default=None, max_length=64, description="one of your backgrounds")
    color: str | None = Field(default=None, max_length=64, description="a background colour: rgba(...) or #rrggbb")
    web_bg_width: float | None = None
    web_bg_height: float | None = None
    web_people_width: float | None = None
    web_people_height: float | None = None
    web_people_x: float | None = None
    web_people_y: float | None = None
    isCaptionEnabled: bool = False
    captionAlign: dict[str, Any] | None = None
    isToPublicPool: bool | None = None
    webhook_url: str | None = Field(default=None, max_length=2048)
    webhook_token: str | None = Field(default=None, max_length=256)
    # Accepted for A2E clients, without effect here (see docs/API.md).
    anchor_background_img: str | None = Field(default=None, max_length=2048)
    anchor_background_color: str | None = Field(default=None, max_length=64)
    wl_model: str | None = Field(default=None, max_length=64)
    lip_model: str | None = Field(default=None, max_length=64)
    isSkipRs: bool | None = None
    isSkipGp: bool | None = None
    gp_model: dict[str, Any] | None = None
    erode_factor: float | None = None
    web_dist_bg_width: float | None = None
    web_dist_bg_height: float | None = None
    web_dist_bg_x: float | None = None
    web_dist_bg_y: float | None = None
    face_swap_id: str | None = Field(default=None, max_length=64)


class AutoPoolBody(Body):
    isAutoToPublicPool: bool


class VideoOut(TaskFields):
    id: str = Field(serialization_alias="_id")
    title: str
    status: str = Field(description="init, start, pending, process, copy, success or fail")
    anchor_id: str
    anchor_type: int | None = None
    audioSrc: str | None
    msg: str | None
    resolution: int
    result: str | None = Field(description="the video, once status is success")
    result_people_url: str | None = Field(description="with a background: the avatar before matting")
    result_bg_url: str | None = Field(description="with a background: the background as used")
    duration: float | None
    isToPublicPool: bool
    notes: list[str] = Field(default=[], description="what was accepted but not used, e.g. unknown captionAlign "
                                                     "keys or canvas fields without a background")


class BackgroundOut(Out):
    id: str = Field(serialization_alias="_id")
    type: str = Field(description="system or custom")
    name: str
    img_url: str
    width: int
    height: int
    createdAt: str | None


class BackgroundAddBody(Body):
    img_url: str = Field(max_length=2048)


class BackgroundIdBody(Body):
    id: str = Field(validation_alias=AliasChoices("_id", "id", "custom_back_id", "back_id"), min_length=1,
                    max_length=64)
