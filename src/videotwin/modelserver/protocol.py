"""What the API and the model server say to each other (JSON over HTTP, on a unix socket by default)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from videotwin.speech.tts import CloneProfile

SPEAK_PATH = "/v1/speak"
LANGUAGE_PATH = "/v1/language"
HEALTH_PATH = "/health"
# The speech's length in seconds, beside the MP3 bytes of a speak answer.
SECONDS_HEADER = "X-Audio-Seconds"


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpeakRequest(Message):
    text: str = Field(min_length=1)
    voice_id: str
    rate: float = 1.0
    clone: CloneProfile | None = None


class LanguageRequest(Message):
    text: str = Field(min_length=1)


class LanguageAnswer(Message):
    code: str | None
    confidence: float


class Refusal(Message):
    """An answer other than 200: `field` set when the input was at fault (answered 400), else the
    server was unable (503, busy or broken)."""

    msg: str
    field: str | None = None
