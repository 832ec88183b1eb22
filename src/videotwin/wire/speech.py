"""Wire shapes of the TTS and voice-clone group."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from videotwin.wire.common import Body, IdIn, Out, TaskFields


class VoiceListBody(Body):
    country: str = Field(default="en", max_length=16, description="language code, e.g. en, ja, de")
    region: str = Field(default="US", max_length=16, description="region code, e.g. US, JP")
    voice_map_type: str | None = Field(default=None, max_length=32, description="accepted, e.g. en-US")


_QUALITY = "neural, or formant (espeak-ng: robotic)"
_INTELLIGIBLE = ("false for the formant voices that speech recognition (Whisper base) mostly does not "
                 "understand; their label says so too")
_SAMPLE_URL = ("a short greeting in this voice (MP3), at a signed link that needs no token (for an "
               "<audio> tag); it expires like file links")


class VoiceOption(Out):
    label: str
    value: str = Field(description="the tts_id to pass to send_tts")
    language: str = Field(description="language code (ISO 639-1), e.g. en, zh")
    region: str = Field(description="region code, e.g. US, GB, CN")
    gender: str = Field(description="female or male")
    quality: str = Field(description=_QUALITY)
    intelligible: bool = Field(description=_INTELLIGIBLE)
    sample_url: str = Field(description=_SAMPLE_URL)


class VoiceGroup(Out):
    label: str
    value: str
    children: list[VoiceOption]


class TtsVoiceOut(Out):
    value: str = Field(description="tts_id")
    label: str
    country: str = Field(description="language code (ISO 639-1), A2E's name for it")
    region: str
    gender: str
    quality: str = Field(description=_QUALITY)
    intelligible: bool = Field(description=_INTELLIGIBLE)
    sample_url: str = Field(description=_SAMPLE_URL)


class RegionOption(Out):
    label: str
    value: str
    voices: list[VoiceOption] = Field(description="the voices of this language and region")


class LanguageOut(Out):
    label: str
    value: str = Field(description="country (language code)")
    children: list[RegionOption]


class LanguageListBody(Body):
    voice_map_type: str | None = Field(default=None, max_length=32)


class SendTtsBody(Body):
    msg: str = Field(min_length=1, max_length=3000, description="text to speak, at most 1000 characters")
    tts_id: str | None = Field(default=None, max_length=64, description="a public voice (anchor/voice_list)")
    user_voice_id: str | None = Field(default=None, max_length=64, description="a cloned voice")
    country: str = Field(default="en", max_length=16)
    region: str = Field(default="US", max_length=16)
    speechRate: float = Field(default=1.0, ge=0.5, le=2.0, description="0.5-2.0")
    # A2E's captcha fields for browsers: accepted and ignored by API callers.
    type: Literal["turnstile", "aliyun_captcha"] | None = None
    turnstile_token: str | None = Field(default=None, max_length=4096)
    captchaVerifyParam: str | None = Field(default=None, max_length=4096)


class LangClassifyBody(Body):
    msg: str = Field(min_length=1, max_length=5000)


class VoiceTrainingBody(Body):
    name: str = Field(min_length=1, max_length=128)
    voice_urls: list[str] = Field(min_length=1, max_length=10, description="audio (or video) URLs of the speaker")
    gender: Literal["female", "male"] = "female"
    language: str | None = Field(default=None, max_length=16, description="language the voice will speak; en")
    denoise: bool = Field(default=False, description="clean the reference with DeepFilterNet first")
    enhance_voice_similarity: bool | None = Field(default=None, description="accepted; no effect")
    model: Literal["a2e", "cartesia", "minimax", "elevenlabs"] = Field(default="a2e",
                                                                       description="accepted; one model here")
    webhook_url: str | None = Field(default=None, max_length=2048)
    webhook_token: str | None = Field(default=None, max_length=256)


class AddVoiceCloneBody(Body):
    """userVideoTwin/addVoiceClone: A2E's {_id, name}, plus userVoice/training's optional fields."""

    id: IdIn
    name: str | None = Field(default=None, max_length=128, description="default: the avatar's name + \" voice\"")
    gender: Literal["female", "male"] | None = Field(default=None, description="default: the avatar's gender")
    language: str | None = Field(default=None, max_length=16,
                                 description="language the voice will speak (as in userVoice/training); en")
    denoise: bool = Field(default=False, description="clean the footage's sound with DeepFilterNet first")
    webhook_url: str | None = Field(default=None, max_length=2048)
    webhook_token: str | None = Field(default=None, max_length=256)


class VoiceRenameBody(Body):
    name: str = Field(min_length=1, max_length=128)


class UserVoiceOut(TaskFields):
    id: str = Field(serialization_alias="_id")
    name: str
    gender: str
    language: str
    current_status: str = Field(description="sent, pendding, processing, completed or failed")
    voice_urls: list[str]
    denoise: bool
    base_voice: str = Field(description="the public voice this clone is built on")
    user_video_twin_id: str | None = Field(default=None, description="the avatar whose footage the voice was "
                                                                     "learned from (userVideoTwin/addVoiceClone)")
