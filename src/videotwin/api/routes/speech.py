"""TTS and voice clone: public voices, send_tts, language detection, cloned voices."""

from __future__ import annotations

import functools
import math
import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from videotwin.api.blob_response import blob_response
from videotwin.api.deps import PrincipalDep, RuntimeDep, run_slow
from videotwin.api.envelope import Envelope, ok
from videotwin.api.errors import CODE_FORBIDDEN, CODE_NOT_FOUND, error_response
from videotwin.api.openapi import FILE_ANSWERS, may_answer
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
SAMPLE_PATH = "/api/v1/anchor/voice_sample/{tts_id}.mp3"
# Sample links expire on the hour, so the lists hand out the same link for an hour and a browser's
# cache can serve a sample played again.
SAMPLE_LINK_STEP_SECONDS = 3600


def sample_path(tts_id: str) -> str:
    return SAMPLE_PATH.format(tts_id=tts_id)


class _Samples:
    """Signed sample links for one answer (one expiry for all of them)."""

    def __init__(self, runtime: RuntimeDep) -> None:
        ttl = runtime.settings.signed_url_ttl_seconds
        self.expires = math.ceil((time.time() + ttl) / SAMPLE_LINK_STEP_SECONDS) * SAMPLE_LINK_STEP_SECONDS
        self.signer = runtime.signer

    def url(self, voice: voices.PublicVoice) -> str:
        return self.signer.path_url(sample_path(voice.id), self.expires)

    def option(self, voice: voices.PublicVoice) -> VoiceOption:
        return VoiceOption(label=voice.label, value=voice.id, language=voice.language, region=voice.region,
                           gender=voice.gender, quality=voice.quality, intelligible=voice.intelligible,
                           sample_url=self.url(voice))


def _voice_groups(samples: _Samples, country: str, region: str) -> list[VoiceGroup]:
    found = voices.for_language(country, region) or voices.for_language(country)
    groups = []
    for gender in ("female", "male"):
        children = [samples.option(v) for v in found if v.gender == gender]
        if children:
            groups.append(VoiceGroup(label=gender.title(), value=gender, children=children))
    return groups


@router.get("/api/v1/anchor/voice_list", response_model=Envelope[list[VoiceGroup]])
def voice_list_get(request: Request, me: PrincipalDep, runtime: RuntimeDep,
                   country: Annotated[str, Query(max_length=16)] = "en",
                   region: Annotated[str, Query(max_length=16)] = "US",
                   voice_map_type: Annotated[str | None, Query(max_length=32)] = None):
    """Public voices of a language and region (all of the language's if the region has none), grouped
    by gender, each with its language, region, gender, quality and a sample link."""
    return ok(request, _voice_groups(_Samples(runtime), country, region))


@router.post("/api/v1/anchor/voice_list", response_model=Envelope[list[VoiceGroup]])
def voice_list_post(request: Request, me: PrincipalDep, runtime: RuntimeDep, body: VoiceListBody | None = None):
    body = body or VoiceListBody()
    return ok(request, _voice_groups(_Samples(runtime), body.country, body.region))


@router.post("/api/v1/anchor/tts_list", response_model=Envelope[list[TtsVoiceOut]])
def tts_list(request: Request, me: PrincipalDep, runtime: RuntimeDep):
    """Every public voice, with its language, region, gender, quality and a sample link."""
    samples = _Samples(runtime)
    return ok(request, [TtsVoiceOut(value=v.id, label=v.label, country=v.language, region=v.region, gender=v.gender,
                                    quality=v.quality, intelligible=v.intelligible, sample_url=samples.url(v))
                        for v in voices.VOICES])


def _languages(samples: _Samples) -> list[LanguageOut]:
    out = []
    for code in dict.fromkeys(v.language for v in voices.VOICES):
        children = [RegionOption(label=voices.region_label(code, region), value=region,
                                 voices=[samples.option(v) for v in voices.for_language(code, region)])
                    for region in voices.regions(code)]
        out.append(LanguageOut(label=voices.LANGUAGES[code][0], value=code, children=children))
    return out


@router.post("/api/v1/anchor/language_list", response_model=Envelope[list[LanguageOut]])
def language_list_post(request: Request, me: PrincipalDep, runtime: RuntimeDep, body: LanguageListBody | None = None):
    """The languages videotwin speaks: {label, value=country, children: [{label, value=region, voices}]},
    every region a language has voices for (English: US and GB)."""
    return ok(request, _languages(_Samples(runtime)))


@router.get("/api/v1/anchor/language_list", response_model=Envelope[list[LanguageOut]])
def language_list_get(request: Request, me: PrincipalDep, runtime: RuntimeDep):
    return ok(request, _languages(_Samples(runtime)))


@router.head(SAMPLE_PATH, include_in_schema=False)
@router.get(SAMPLE_PATH, summary="A voice's sample (MP3), at the signed link the voice lists give",
            responses={**FILE_ANSWERS, **may_answer(503)})
async def voice_sample(request: Request, tts_id: str, runtime: RuntimeDep, expires: str = "",
                       signature: str = "") -> Response:
    """No token: the link's signature is the permission, so an <audio> tag can play it. The first
    request for a voice has the model server speak the sample (about a second); it is kept, and later
    requests are served from storage."""
    if not runtime.signer.check_path(sample_path(tts_id), expires, signature):
        return error_response(request, 403, CODE_FORBIDDEN,
                              "this sample link is invalid or has expired; ask anchor/voice_list for a fresh one")
    key = await run_slow(request, speech.voice_sample, runtime, tts_id)
    info = runtime.blobs.stat(key)
    if info is None:  # deleted between being made and being read
        return error_response(request, 404, CODE_NOT_FOUND, "this sample no longer exists; ask again")
    return blob_response(request, runtime.blobs, key, info)


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

