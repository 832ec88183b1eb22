"""TTS and voice clone: public voices, send_tts, language detection, cloned voices."""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, Query, Request

from videotwin.api.deps import PrincipalDep, RuntimeDep, run_slow
from videotwin.api.envelope import Envelope, ok
from videotwin.api.presenters import task_fields
from videotwin.api.schemas.speech import (
    LangClassifyBody,
    LanguageListBody,
    LanguageOut,
    RegionOption,
    SendTtsBody,
    TtsVoiceOut,
    UserVoiceOut,
    VoiceGroup,
    VoiceListBody,
    VoiceOption,
    VoiceRenameBody,
    VoiceTrainingBody,
)
from videotwin.domain import speech, user_voices
from videotwin.speech import voices

router = APIRouter(tags=["TTS and voice clone"])


def _voice_groups(country: str, region: str) -> list[VoiceGroup]:
    found = voices.for_language(country, region) or voices.for_language(country)
    groups = []
    for gender in ("female", "male"):
        children = [VoiceOption(label=v.label, value=v.id) for v in found if v.gender == gender]
        if children:
            groups.append(VoiceGroup(label=gender.title(), value=gender, children=children))
    return groups


@router.get("/api/v1/anchor/voice_list", response_model=Envelope[list[VoiceGroup]])
def voice_list_get(request: Request, me: PrincipalDep, country: Annotated[str, Query(max_length=16)] = "en",
                   region: Annotated[str, Query(max_length=16)] = "US",
                   voice_map_type: Annotated[str | None, Query(max_length=32)] = None):
    """Public voices of a language, grouped by gender."""
    return ok(request, _voice_groups(country, region))


@router.post("/api/v1/anchor/voice_list", response_model=Envelope[list[VoiceGroup]])
def voice_list_post(request: Request, me: PrincipalDep, body: VoiceListBody | None = None):
    body = body or VoiceListBody()
    return ok(request, _voice_groups(body.country, body.region))


@router.post("/api/v1/anchor/tts_list", response_model=Envelope[list[TtsVoiceOut]])
def tts_list(request: Request, me: PrincipalDep):
    """Every public voice, with its language, gender and quality."""
    return ok(request, [TtsVoiceOut(value=v.id, label=v.label, country=v.language, region=v.region, gender=v.gender,
                                    quality=v.quality) for v in voices.VOICES])


def _languages() -> list[LanguageOut]:
    out = []
    for code in dict.fromkeys(v.language for v in voices.VOICES):
        name, region, region_name = voices.LANGUAGES[code]
        out.append(LanguageOut(label=name, value=code, children=[RegionOption(label=region_name, value=region)]))
    return out


@router.post("/api/v1/anchor/language_list", response_model=Envelope[list[LanguageOut]])
def language_list_post(request: Request, me: PrincipalDep, body: LanguageListBody | None = None):
    """The languages videotwin can speak: {label, value=country, children: [{label, value=region}]}."""
    return ok(request, _languages())


@router.get("/api/v1/anchor/language_list", response_model=Envelope[list[LanguageOut]])
def language_list_get(request: Request, me: PrincipalDep):
    return ok(request, _languages())


@router.post("/api/v1/video/send_tts", response_model=Envelope[str])
async def send_tts(request: Request, body: SendTtsBody, runtime: RuntimeDep, me: PrincipalDep):
    """Speak `msg` with a public or cloned voice; `data` is the audio URL (MP3, -16 LUFS) as a bare string."""
    key = await run_slow(request, functools.partial(
        speech.send_tts, runtime, owner_id=me.user.id, msg=body.msg, tts_id=body.tts_id,
        user_voice_id=body.user_voice_id, speech_rate=body.speechRate))
    return ok(request, runtime.url_for(key))


@router.post("/api/v1/video/lang_classify", response_model=Envelope[str])
async def lang_classify(request: Request, body: LangClassifyBody, me: PrincipalDep):
    """The language of a text as an ISO 639-1 code (en, ja, zh, de...)."""
    return ok(request, await run_slow(request, speech.classify_language, body.msg))


def _voice_out(v: user_voices.UserVoice) -> UserVoiceOut:
    return UserVoiceOut(
        id=v.id, name=v.name, gender=v.gender, language=v.language, current_status=v.current_status,
        voice_urls=v.voice_urls, denoise=v.denoise, base_voice=v.base_voice_id, **task_fields(v.job, v.created_at),
    )


@router.post("/api/v1/userVoice/training", response_model=Envelope[UserVoiceOut])
def voice_training(request: Request, body: VoiceTrainingBody, runtime: RuntimeDep, me: PrincipalDep):
    """Clone a voice from reference speech (one training at a time per user)."""
    voice = user_voices.start_training(
        runtime, owner_id=me.user.id, name=body.name, voice_urls=body.voice_urls, gender=body.gender,
        language=body.language, denoise=body.denoise, webhook_url=body.webhook_url, webhook_token=body.webhook_token)
    return ok(request, _voice_out(voice))


@router.get("/api/v1/userVoice/trainingRecord", response_model=Envelope[list[UserVoiceOut]])
def training_records(request: Request, runtime: RuntimeDep, me: PrincipalDep):
    """Voices not (yet) completed: training, or failed with the reason."""
    with runtime.db.read() as session:
        found = user_voices.list_voices(session, me.user.id, completed=False)
    return ok(request, [_voice_out(v) for v in found])


@router.get("/api/v1/userVoice/completedRecord", response_model=Envelope[list[UserVoiceOut]])
def completed_records(request: Request, runtime: RuntimeDep, me: PrincipalDep):
    """Voices ready to speak (pass their _id as user_voice_id)."""
    with runtime.db.read() as session:
        found = user_voices.list_voices(session, me.user.id, completed=True)
    return ok(request, [_voice_out(v) for v in found])


@router.get("/api/v1/userVoice/{voice_id}", response_model=Envelope[UserVoiceOut])
def get_voice(request: Request, voice_id: str, runtime: RuntimeDep, me: PrincipalDep):
    with runtime.db.read() as session:
        return ok(request, _voice_out(user_voices.get(session, me.user.id, voice_id)))


@router.put("/api/v1/userVoice/{voice_id}", response_model=Envelope[UserVoiceOut])
def rename_voice(request: Request, voice_id: str, body: VoiceRenameBody, runtime: RuntimeDep, me: PrincipalDep):
    with runtime.db.write() as session:
        return ok(request, _voice_out(user_voices.rename(session, me.user.id, voice_id, body.name)))


@router.delete("/api/v1/userVoice/{voice_id}", response_model=Envelope[dict])
def delete_voice(request: Request, voice_id: str, runtime: RuntimeDep, me: PrincipalDep):
    """Delete a voice (a training still queued is cancelled and refunded)."""
    with runtime.db.write() as session:
        user_voices.delete(session, me.user.id, voice_id)
    return ok(request, {})
