"""video.generate: an avatar says an audio track or a text (video/generate).

1. the speech: fetch audioSrc (any audio or video file) or synthesise msg; refuse what is not audio,
   is silent or is longer than the limit (the job fails and is refunded)
2. caption timing, if asked: Whisper's word timestamps (the known text, when there is one, aligned
   to them)
3. the lip-synced avatar at the size the layout gives it: footage avatars by the retrieval renderer
   (lipsync/animate.py; longer audio loops the footage forward and back), photo avatars by warping
4. with a background: the person matted (media/matting.py) and placed on the canvas; captions drawn
5. H.264 + AAC; the matted person's own video and the background are kept as result_people_url and
   result_bg_url, as A2E returns them.
Memory stays bounded whatever the length: frames stream from decoder to encoder."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from videotwin.domain.errors import InputFetchError
from videotwin.inference import whisper
from videotwin.lipsync import animate, model, personal
from videotwin.lipsync.photo import PHOTO_FPS
from videotwin.media import captions, colour, matting, video
from videotwin.media.audio import MediaError, decode, rms_dbfs, write_wav
from videotwin.pipelines.base import JobContext, PipelineError
from videotwin.speech import clone, service, voices

ERR_AUDIO = 30
ERR_AVATAR = 31
# Speech quieter than this (loudest second, dBFS) counts as silence.
SILENCE_DBFS = -50.0
MIN_AUDIO_SECONDS = 0.3
# Outputs are at most this many pixels on the longer side.
MAX_OUTPUT_SIDE_PX = 3840
# Progress: the pipeline reports COPY_PROGRESS while storing (status word "copy").
COPY_PROGRESS = 0.97
BACKGROUND_JPEG_QUALITY = 92


def run(ctx: JobContext) -> dict:
    inputs = ctx.inputs
    wav, audio16, text = _speech(ctx)
    seconds = len(audio16) / model.SAMPLE_RATE_HZ
    ctx.progress(0.08)

    anchor = inputs["anchor"]
    speaker, fps, native = _avatar(ctx, anchor)
    layout = _layout(native, inputs["resolution"], inputs.get("canvas"))
    n_out = max(1, math.ceil(seconds * fps))
    z = _model(ctx, anchor).predict(audio16, fps, n_out)

    burner = None
    if inputs.get("captions"):
        burner = _captions(ctx, audio16, text, inputs["captions"], layout.canvas)
    ctx.progress(0.15)

    background = _background(ctx, inputs.get("background"), layout.canvas)
    files = {"result": ctx.output_key("video.mp4")}
    out = ctx.workdir / "video.mp4"
    enc = video.Encoder(out, layout.canvas, fps, audio=wav, frames=n_out)
    people_enc = None
    matter = None
    if background is not None:
        files["people"] = ctx.output_key("people.mp4")
        people_enc = video.Encoder(ctx.workdir / "people.mp4", layout.person, fps, audio=wav, frames=n_out)
        matter = matting.Matter()
    try:
        frames = speaker(z, layout.person, lambda f: ctx.progress(0.15 + 0.8 * f))
        for t, person in enumerate(frames):
            frame = person
            if background is not None:
                people_enc.write(person)
                frame = _place(person, matter.alpha(person), background, layout.box)
            if burner is not None:
                frame = burner.apply(frame, t / fps)
            enc.write(frame)
    finally:
        enc.close()
        if people_enc is not None:
            people_enc.close()
        if matter is not None:
            matter.close()

    ctx.progress(COPY_PROGRESS)
    ctx.blobs.put_file(files["result"], out, "video/mp4")
    if people_enc is not None:
        ctx.blobs.put_file(files["people"], ctx.workdir / "people.mp4", "video/mp4")
        files["bg"] = ctx.output_key("background.jpg")
        bg_path = ctx.workdir / "background.jpg"
        cv2.imwrite(str(bg_path), cv2.cvtColor(background, cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, BACKGROUND_JPEG_QUALITY])
        ctx.blobs.put_file(files["bg"], bg_path, "image/jpeg")
    return {"files": files, "duration": round(seconds, 3), "fps": fps, "width": layout.canvas[0],
            "height": layout.canvas[1], "frames": n_out}


# ---- speech ------------------------------------------------------------------------------------


def _speech(ctx: JobContext) -> tuple[Path, np.ndarray, str | None]:
    """(file to mux, 16 kHz mono samples, the known text or None)."""
    inputs = ctx.inputs
    limit = float(inputs.get("max_audio_seconds", 1800.0))
    if inputs.get("text"):
        voice_in = inputs["voice"]
        voice = voices.get(voice_in["voice_id"])
        if voice is None:
            raise PipelineError(f"custom_voice: the voice {voice_in['voice_id']!r} no longer exists", ERR_AUDIO)
        profile = clone.profile_from_dict(voice_in["clone"]) if voice_in.get("clone") else None
        audio, sr = service.synthesizer(ctx.settings.models_dir).synthesize(inputs["text"], voice, clone=profile)
        if audio.size == 0:
            raise PipelineError("msg: has nothing speakable in it", ERR_AUDIO)
        wav = ctx.workdir / "speech.wav"
        write_wav(wav, audio, sr)
        return wav, decode(wav, model.SAMPLE_RATE_HZ), inputs["text"]
    source = ctx.workdir / "audio"
    try:
        ctx.fetch(inputs["audio_url"], source, field="audioSrc", accept=["audio", "video"])
        # One second past the limit tells "too long" apart without decoding hours of audio.
        audio16 = decode(source, model.SAMPLE_RATE_HZ, max_seconds=limit + 1.0)
    except InputFetchError as exc:
        raise PipelineError(exc.message, ERR_AUDIO) from None
    except MediaError as exc:
        raise PipelineError(f"audioSrc: {exc}; send an audio file (MP3, WAV, M4A, ...)", ERR_AUDIO) from None
    seconds = len(audio16) / model.SAMPLE_RATE_HZ
    if seconds > limit:
        raise PipelineError(f"audioSrc: the audio is longer than {limit:g} s, the most one video may be; "
                            "split it into several videos", ERR_AUDIO)
    if seconds < MIN_AUDIO_SECONDS:
        raise PipelineError(f"audioSrc: the audio is {seconds:.2f} s long; at least {MIN_AUDIO_SECONDS} s is "
                            "needed", ERR_AUDIO)
    second = model.SAMPLE_RATE_HZ
    loudest = max(rms_dbfs(audio16[i:i + second]) for i in range(0, max(1, len(audio16) - second + 1), second // 2))
    if loudest < SILENCE_DBFS:
        raise PipelineError(f"audioSrc: the audio is silent (loudest second {loudest:.0f} dBFS); send the speech "
                            "the avatar should say", ERR_AUDIO)
    return source, audio16, None


# ---- the avatar --------------------------------------------------------------------------------


def _pack_file(ctx: JobContext, files: dict, name: str) -> Path:
    key = files.get(name)
    if not key or not ctx.blobs.exists(key):
        raise PipelineError("anchor_id: the avatar's files are gone (it was removed while this video waited)",
                            ERR_AVATAR)
    return ctx.blobs.local_path(key)


def _avatar(ctx: JobContext, anchor: dict):
    """(speaker(z, size, progress) -> frames, fps, native size) for the anchor."""
    track = animate.load_track(_pack_file(ctx, anchor["files"], "track"))
    if anchor["kind"] == "image":
        bgr = cv2.imdecode(np.fromfile(_pack_file(ctx, anchor["files"], "image"), np.uint8), cv2.IMREAD_COLOR)
        if bgr is None:
            raise PipelineError("anchor_id: the avatar's portrait cannot be read", ERR_AVATAR)
        rgb = cv2.cvtColor(cv2.resize(bgr, (track.width, track.height), interpolation=cv2.INTER_AREA),
                           cv2.COLOR_BGR2RGB)
        photo = animate.PhotoSpeaker(rgb, track.landmarks[0])

        def speak_photo(z, size, progress):
            for frame in photo.frames(z, PHOTO_FPS, progress):
                yield frame if frame.shape[1::-1] == tuple(size) else cv2.resize(frame, size,
                                                                                   interpolation=cv2.INTER_LINEAR)

        return speak_photo, PHOTO_FPS, (track.width, track.height)
    files = anchor["files"]
    if "base" in files and "bank" in files:
        base, bank = _pack_file(ctx, files, "base"), _pack_file(ctx, files, "bank")
    else:
        # An avatar made before packs had base video and bank: build them from its footage now.
        base, bank = ctx.workdir / "base.mp4", ctx.workdir / "bank.zip"
        animate.build_pack_media(_pack_file(ctx, files, "footage"), track, base, bank)

    def speak_footage(z, size, progress):
        yield from animate.FootageSpeaker(base, bank, track, size).frames(z, progress)

    return speak_footage, track.fps, (track.width, track.height)


def _model(ctx: JobContext, anchor: dict):
    """The universal model (a personalised one, once trained for this avatar, takes its place)."""
    key = anchor.get("model")
    if key and ctx.blobs.exists(key):
        return personal.load(ctx.blobs.local_path(key), ctx.settings.models_dir)
    return model.MouthModel.load()


# ---- layout, background, captions --------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    canvas: tuple[int, int]  # output frame, pixels
    person: tuple[int, int]  # the avatar's frame as rendered
    box: tuple[int, int]  # where its top-left corner sits on the canvas


def _even(v: float) -> int:
    return max(2, int(round(v / 2)) * 2)


def _fit(w: float, h: float, short_side: float) -> tuple[int, int]:
    s = short_side / min(w, h)
    if max(w, h) * s > MAX_OUTPUT_SIDE_PX:
        s = MAX_OUTPUT_SIDE_PX / max(w, h)
    return _even(w * s), _even(h * s)


def _layout(native: tuple[int, int], resolution: int, canvas: dict | None) -> Layout:
    """`resolution` is the output's shorter side (720 means 720p, upright or not)."""
    if canvas is None:
        size = _fit(*native, resolution)
        return Layout(size, size, (0, 0))
    cw, ch = _fit(canvas["width"], canvas["height"], resolution)
    k = cw / canvas["width"]
    if canvas["people"] is None:
        x, y, bw, bh = 0.0, 0.0, canvas["width"], canvas["height"]
    else:
        x, y, bw, bh = canvas["people"]
    # The avatar keeps its shape inside the person box: as large as fits, centred, feet on the box's floor.
    s = min(bw * k / native[0], bh * k / native[1])
    pw, ph = _even(native[0] * s), _even(native[1] * s)
    px = int(round(x * k + (bw * k - pw) / 2))
    py = int(round(y * k + bh * k - ph))
    return Layout((cw, ch), (pw, ph), (px, py))


def _background(ctx: JobContext, spec: dict | None, size: tuple[int, int]) -> np.ndarray | None:
    if spec is None:
        return None
    if spec["kind"] == "color":
        r, g, b, _a = spec["rgba"]
        return np.full((size[1], size[0], 3), (int(r), int(g), int(b)), np.uint8)
    # System backgrounds are in the store too (copied there when the API starts).
    key = spec["key"]
    if not ctx.blobs.exists(key):
        raise PipelineError("custom_back_id: the background was deleted while this video waited", ERR_AVATAR)
    path = ctx.blobs.local_path(key)
    bgr = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise PipelineError("the background image cannot be read", ERR_AVATAR)
    return matting.cover(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), size)


def _place(person: np.ndarray, alpha: np.ndarray, background: np.ndarray, box: tuple[int, int]) -> np.ndarray:
    """The matted person on the background at `box` (clipped to the canvas)."""
    out = background.copy()
    h, w = person.shape[:2]
    x, y = box
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, out.shape[1]), min(y + h, out.shape[0])
    if x1 <= x0 or y1 <= y0:
        return out
    sx, sy = x0 - x, y0 - y
    out[y0:y1, x0:x1] = matting.over(person[sy:sy + y1 - y0, sx:sx + x1 - x0], alpha[sy:sy + y1 - y0, sx:sx + x1 - x0],
                                     out[y0:y1, x0:x1])
    return out


def _captions(ctx: JobContext, audio16: np.ndarray, text: str | None, spec: dict, size: tuple[int, int]
              ) -> captions.Burner:
    voice_language = (ctx.inputs.get("voice") or {}).get("language")
    language = spec.get("language") or voice_language
    heard = whisper.transcribe(ctx.settings.models_dir, audio16, language=language, word_timestamps=True)
    language = language or heard.language
    timed = captions.align_text(text, heard.words) if text else captions.heard_words(heard.words)
    font_size = spec["font_size"]
    font_px = int(round(font_size * min(size) if font_size <= 1 else font_size))
    stroke = spec["stroke_width"]
    style = captions.Style(font_px=max(8, font_px), color=colour.rgba8(spec["color"]),
                           stroke_color=colour.rgba8(spec["stroke_color"]),
                           stroke_px=int(round(stroke * font_px)), background=colour.rgba8(spec["background_color"]),
                           position=float(spec["subtitle_position"]), language=language or "en")
    return captions.Burner(captions.cues(timed, style, size[0]), style, size)
