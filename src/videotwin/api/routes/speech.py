"""TTS and voice clone: public voices, send_tts, language detection, cloned voices."""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import APIRouter, Query, Request

from videotwin.api.deps import PrincipalDep, RuntimeDep, run_slow
from videotwin.api.envelope import Envelope, ok
from videotwin.api.openapi import may_answer
from videotwin.domain import speech, tasks, user_voices
from videotwin.families import voices as voice_family
from videotwin.speech import voices
from videotwin.wire.speech import (
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
)

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


@router.post("/api/v1/video/send_tts", response_model=Envelope[str], responses=may_answer(402, 503))
async def send_tts(request: Request, body: SendTtsBody, runtime: RuntimeDep, me: PrincipalDep):
    """Speak `msg` with a public or cloned voice; `data` is the audio URL (MP3, -16 LUFS) as a bare string."""
    key = await run_slow(request, functools.partial(
        speech.send_tts, runtime, owner_id=me.user.id, msg=body.msg, tts_id=body.tts_id,
        user_voice_id=body.user_voice_id, speech_rate=body.speechRate))
    return ok(request, runtime.url_for(key))


@router.post("/api/v1/video/lang_classify", response_model=Envelope[str], responses=may_answer(503))
async def lang_classify(request: Request, body: LangClassifyBody, runtime: RuntimeDep, me: PrincipalDep):
    """The language of a text as an ISO 639-1 code (en, ja, zh, de...)."""
    return ok(request, await run_slow(request, speech.classify_language, runtime, body.msg))


@router.put("/api/v1/userVoice/{voice_id}", response_model=Envelope[UserVoiceOut])
def rename_voice(request: Request, voice_id: str, body: VoiceRenameBody, runtime: RuntimeDep, me: PrincipalDep):
    """Rename a cloned voice."""
    renamed = tasks.update(runtime, voice_family.FAMILY, me.user.id, voice_id,
                           lambda row: user_voices.rename(row, body.name))
    return ok(request, voice_family.voice_out(renamed, runtime.url_for))

