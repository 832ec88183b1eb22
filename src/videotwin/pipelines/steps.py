"""The steps pipelines are built from: speech in (fetched and checked, or synthesised), the mouth
motion a lip-sync model predicts for it, the speaking avatar, a background, captions, and the one
render loop that puts them together and encodes the video."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from videotwin.errors import InputFetchError
from videotwin.inference.face import FaceMesh, FaceObservation
from videotwin.inference.segmentation import SelfieSegmenter
from videotwin.inference.whisper import Whisper
from videotwin.lipsync import animate
from videotwin.lipsync.animate import FootageSpeaker, PhotoSpeaker, Speaker
from videotwin.lipsync.model import SAMPLE_RATE_HZ, UniversalLipsync
from videotwin.lipsync.personal import PersonalLipsync
from videotwin.media import captions, colour, images, matting, video
from videotwin.media.audio import MediaError, decode, rms_dbfs, write_wav
from videotwin.media.layout import Layout, place
from videotwin.media.probe import probe_media
from videotwin.pipelines import pack
from videotwin.pipelines.base import JobContext, PipelineError
from videotwin.pipelines.pack import AvatarFiles
from videotwin.speech import voices
from videotwin.speech.tts import CloneProfile, Synthesizer

# Speech quieter than this (loudest second, dBFS) counts as silence.
SILENCE_DBFS = -50.0
MIN_SPEECH_SECONDS = 0.3
# A length from the metadata may be an estimate (an MP3 without a frame index): this much over a
# limit is left to the decoding to judge.
PROBE_SLACK_SECONDS = 1.0
BACKGROUND_JPEG_QUALITY = 92


# ---- speech ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Speech:
    path: Path  # the sound as it goes into the video (as fetched, or synthesised)
    audio16: np.ndarray  # mono 16 kHz: what lip-sync and captions listen to
    text: str | None = None  # the words, when they were synthesised from a text
    language: str | None = None

    @property
    def seconds(self) -> float:
        return len(self.audio16) / SAMPLE_RATE_HZ


def probe_sound(path: Path, field: str, code: int) -> float:
    """The length in seconds a file's metadata gives its sound (0.0 when it does not say), read before
    anything is decoded; fails the job when the file has no sound."""
    try:
        info = probe_media(path)
    except MediaError as exc:
        raise PipelineError(f"{field}: {exc}; send an audio file (MP3, WAV, M4A, ...)", code) from None
    if not info.has_audio:
        raise PipelineError(f"{field}: the file has no sound; send an audio file (MP3, WAV, M4A, ...)", code)
    return info.duration


def too_long(field: str, seconds: float, max_seconds: float, code: int, advice: str) -> PipelineError:
    return PipelineError(f"{field}: the audio is {seconds:.0f} s long; at most {max_seconds:g} s are accepted; "
                         f"{advice}", code)


def fetch_speech(ctx: JobContext, url: str, field: str, max_seconds: float, code: int) -> Speech:
    """Any audio or video file at `url`, refused when it is not sound, too short, too long or silent."""
    source = ctx.workdir / "speech-source"
    advice = "split it into several videos"
    try:
        ctx.fetch(url, source, field=field, accept=["audio", "video"])
    except InputFetchError as exc:
        raise PipelineError(exc.message, code) from None
    # The metadata's length refuses a long file at once; the decoding stops one second past the limit
    # too, for files whose metadata says nothing or lies.
    declared = probe_sound(source, field, code)
    if declared > max_seconds + PROBE_SLACK_SECONDS:
        raise too_long(field, declared, max_seconds, code, advice)
    try:
        audio16 = decode(source, SAMPLE_RATE_HZ, max_seconds=max_seconds + 1.0)
    except MediaError as exc:
        raise PipelineError(f"{field}: {exc}; send an audio file (MP3, WAV, M4A, ...)", code) from None
    seconds = len(audio16) / SAMPLE_RATE_HZ
    if seconds > max_seconds:
        raise too_long(field, seconds, max_seconds, code, advice)
    if seconds < MIN_SPEECH_SECONDS:
        raise PipelineError(f"{field}: the audio is {seconds:.2f} s long; at least {MIN_SPEECH_SECONDS} s is "
                            "needed", code)
    second = SAMPLE_RATE_HZ
    loudest = max(rms_dbfs(audio16[i:i + second]) for i in range(0, max(1, len(audio16) - second + 1), second // 2))
    if loudest < SILENCE_DBFS:
        raise PipelineError(f"{field}: the audio is silent (loudest second {loudest:.0f} dBFS); send the speech "
                            "the avatar should say", code)
    return Speech(source, audio16)


def synthesize_speech(ctx: JobContext, text: str, voice_id: str, clone: CloneProfile | None, code: int,
                      field: str = "msg") -> Speech:
    voice = voices.get(voice_id)
    if voice is None:
        raise PipelineError(f"custom_voice: the voice {voice_id!r} no longer exists", code)
    audio, sr = Synthesizer(ctx.models).synthesize(text, voice, clone=clone)
    if audio.size == 0:
        raise PipelineError(f"{field}: has nothing speakable in it", code)
    wav = ctx.workdir / "speech.wav"
    write_wav(wav, audio, sr)
    return Speech(wav, decode(wav, SAMPLE_RATE_HZ), text, voice.language)


# ---- the avatar and its mouth ------------------------------------------------------------------


def mouth_motion(ctx: JobContext, speech: Speech, fps: float, n_frames: int, personal_model: str | None = None
                 ) -> np.ndarray:
    """Standardised mouth opening per output frame: the avatar's personalised model when it has one
    (its blob key), else the universal one."""
    if personal_model and ctx.blobs.exists(personal_model):
        variant = str(ctx.cached(personal_model))
        return ctx.models.predict(PersonalLipsync, speech.audio16, fps, n_frames, variant=variant)
    return ctx.models.predict(UniversalLipsync, speech.audio16, fps, n_frames)


def read_image(ctx: JobContext, path: Path, field: str, code: int, min_side_px: int = 1) -> np.ndarray:
    """An image file as RGB, its header checked against the image limits before it is decoded; fails
    the job naming `field` when it is not an image or is outside them."""
    try:
        return images.read_rgb(path, ctx.settings.max_image_pixels, min_side_px)
    except MediaError as exc:
        raise PipelineError(f"{field}: {exc}", code) from None


def avatar_speaker(ctx: JobContext, files: AvatarFiles, code: int) -> Speaker:
    """The avatar of a pack, ready to speak (its files copied from the store)."""
    gone = "anchor_id: the avatar's files are gone (it was removed while this video waited)"
    track = animate.load_track(ctx.download(files.track, gone, code))
    if files.image:
        portrait = read_image(ctx, ctx.download(files.image, gone, code), "anchor_id", code)
        rgb = cv2.resize(portrait, (track.width, track.height), interpolation=cv2.INTER_AREA)
        return PhotoSpeaker(rgb, track.landmarks[0])
    if files.base and files.bank:
        return FootageSpeaker(ctx.download(files.base, gone, code), ctx.download(files.bank, gone, code), track)
    # An avatar made before packs had a base video and a bank: build them from its footage now.
    base, bank = ctx.workdir / pack.BASE, ctx.workdir / pack.BANK
    animate.build_pack_media(ctx.download(files.footage, gone, code), track, base, bank)
    return FootageSpeaker(base, bank, track)


def still_face(ctx: JobContext, rgb: np.ndarray) -> FaceObservation:
    """The face landmarks of one image (a portrait)."""
    return ctx.models.predict(FaceMesh, rgb)


# ---- what goes around the avatar ---------------------------------------------------------------


def background_image(ctx: JobContext, key: str, size: tuple[int, int], code: int) -> np.ndarray:
    """A stored background picture covering `size` (system backgrounds are in the store too)."""
    path = ctx.download(key, "custom_back_id: the background was deleted while this video waited", code)
    return matting.cover(read_image(ctx, path, "background", code), size)


def background_colour(rgba: list[float], size: tuple[int, int]) -> np.ndarray:
    r, g, b, _a = rgba
    return np.full((size[1], size[0], 3), (int(r), int(g), int(b)), np.uint8)


@dataclass(frozen=True)
class CaptionLook:
    font_size: float  # <= 1: a share of the frame's shorter side; above: pixels
    color: str
    stroke_color: str
    stroke_width: float  # a share of the font size
    background_color: str
    subtitle_position: float  # 0 top .. 1 bottom
    language: str | None
    shadow_color: str = "rgba(0,0,0,0)"
    title: str | None = None  # shown at the top for the whole video
    title_background: str = "rgba(0,0,0,0.5)"


def caption_burners(ctx: JobContext, speech: Speech, look: CaptionLook, size: tuple[int, int]
                    ) -> list[captions.Burner]:
    """Captions timed by Whisper's word timestamps (the known text, when there is one, aligned to them),
    and the title line if there is one."""
    language = look.language or speech.language  # may carry a region (zh-tw: Traditional glyphs)
    with ctx.models.use(Whisper) as whisper:
        heard = whisper.transcribe(speech.audio16, language=language.split("-")[0] if language else None,
                                   word_timestamps=True)
    language = language or heard.language
    timed = captions.align_text(speech.text, heard.words) if speech.text else captions.heard_words(heard.words)
    font_px = int(round(look.font_size * min(size) if look.font_size <= 1 else look.font_size))
    style = captions.Style(font_px=max(8, font_px), color=colour.rgba8(look.color),
                           stroke_color=colour.rgba8(look.stroke_color),
                           stroke_px=int(round(look.stroke_width * font_px)),
                           background=colour.rgba8(look.background_color),
                           position=float(look.subtitle_position), language=language or "en",
                           shadow=colour.rgba8(look.shadow_color))
    burners = [captions.Burner(captions.cues(timed, style, size[0]), style, size)]
    if look.title and look.title.strip():
        title_style = replace(style, background=colour.rgba8(look.title_background), position=captions.TITLE_POSITION)
        burners.append(captions.Burner([captions.title_cue(look.title, title_style, size[0])], title_style, size))
    return burners


def save_jpeg(rgb: np.ndarray, path: Path, quality: int = BACKGROUND_JPEG_QUALITY) -> Path:
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return path


# ---- the render loop ---------------------------------------------------------------------------


def render(ctx: JobContext, speaker: Speaker, z: np.ndarray, speech: Speech, dest: Path, *,
           layout: Layout | None = None, background: np.ndarray | None = None,
           overlays: Sequence[captions.Burner] = (), people: Path | None = None,
           progress: Callable[[float], None] = lambda _f: None) -> None:
    """The avatar saying `speech` (mouth openings z, one per frame) into `dest` (H.264 + AAC). With a
    background: the person is matted and placed on it at the layout's box, and their own video before
    matting goes to `people`; overlays (captions, a title) are drawn last. Frames stream from decoder
    to encoder: memory stays bounded."""
    layout = layout or Layout.native(speaker.size)
    enc = video.Encoder(dest, layout.canvas, speaker.fps, audio=speech.path, frames=len(z))
    people_enc = None
    if background is not None and people is not None:
        people_enc = video.Encoder(people, layout.person, speaker.fps, audio=speech.path, frames=len(z))
    try:
        with ExitStack() as held:
            matter = None
            if background is not None:
                matter = matting.Matter(held.enter_context(ctx.models.use(SelfieSegmenter)).predict)
            for t, person in enumerate(speaker.frames(z, layout.person, progress)):
                frame = person
                if matter is not None:
                    if people_enc is not None:
                        people_enc.write(person)
                    frame = place(person, matter.alpha(person), background, layout.box)
                for overlay in overlays:
                    frame = overlay.apply(frame, t / speaker.fps)
                enc.write(frame)
    finally:
        enc.close()
        if people_enc is not None:
            people_enc.close()
