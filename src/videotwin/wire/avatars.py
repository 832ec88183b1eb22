"""Wire shapes of the avatar ("video twin") and anchor group."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field

from videotwin.wire.common import Body, IdIn, Out, TaskFields


class StartTrainingBody(Body):
    name: str | None = Field(default=None, max_length=128)
    gender: Literal["female", "male"] = Field(default="female", description="picks the preview's voice")
    video_url: str | None = Field(default=None, max_length=2048,
                                  description="MP4 or MOV, at least 10 s of one person talking to the camera")
    image_url: str | None = Field(default=None, max_length=2048,
                                  description="a portrait: a photo avatar (costs diamonds)")
    # A2E spells these both ways.
    video_background_image: str | None = Field(
        default=None, max_length=2048,
        validation_alias=AliasChoices("video_background_image", "video_backgroud_image"))
    video_background_color: str | None = Field(
        default=None, max_length=64, validation_alias=AliasChoices("video_background_color", "video_backgroud_color"))
    webhook_url: str | None = Field(default=None, max_length=2048)
    webhook_token: str | None = Field(default=None, max_length=256)


class ContinueTrainingBody(Body):
    id: IdIn
    webhook_url: str | None = Field(default=None, max_length=2048)
    webhook_token: str | None = Field(default=None, max_length=256)


class CharacterListBody(Body):
    type: str | None = Field(default=None, max_length=16, description="custom or system")
    user_video_twin_id: str | None = Field(default=None, max_length=64)


class AnchorListBody(Body):
    web_type: Literal["a2e", "tyzn"] | None = None


class TwinOut(TaskFields):
    id: str = Field(serialization_alias="_id")
    name: str
    gender: str
    current_status: str = Field(description="initialized, sent, processing, completed or failed")
    video_url: str | None
    image_url: str | None
    anchor_id: str | None = Field(description="set once completed: pass it to video/generate")
    preview_result_url: str | None
    video_cover: str | None
    video_backgroud_image: str | None
    video_backgroud_color: str | None
    video_background_image: str | None
    video_background_color: str | None
    lipsync_model: str | None = Field(default=None, description="the model the avatar speaks with: universal or "
                                                                "personal (after continueTraining)")
    lipsync_model_id: str | None = Field(default=None, description="the personalised model in use, if any")
    lipsync_model_reason: str | None = Field(default=None, description="why that model is in use")


class AnchorOut(Out):
    id: str = Field(serialization_alias="_id")
    name: str
    type: str = Field(description="custom or system")
    anchor_type: int = Field(description="0 system, 1 custom")
    gender: str
    video_cover: str | None
    base_video: str | None
    user_video_twin_id: str
    createdAt: str | None


class LipsyncModelOut(TaskFields):
    id: str = Field(serialization_alias="_id")
    user_video_twin_id: str
    anchor_id: str
    current_status: str = Field(description="initialized, sent, processing, completed or failed")
    in_use: bool = Field(description="the avatar speaks with this model now")
    better_than_universal: bool
    reason: str
    metrics: dict = Field(description="held-out mouth-opening correlation (mouth_r) and error of this model "
                                      "and of the universal model on the same frames")
