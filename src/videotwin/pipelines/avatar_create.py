"""avatar.create: an avatar from a video of the person talking, or from a photo
(userVideoTwin/startTraining).

Video:
1. fetch the video (the Content-Type must say video), probe it: refuse what is outside the limits
   (frame size, frame rate, length) before decoding anything
2. track the face in every frame; check the footage (one face, size, facing the camera)
3. store the avatar's pack: the footage, its track (landmarks, mouth opening, fps), the base video
   and mouth bank, and a cover image
4. render the preview: a default sentence in a voice matching `gender`, lip-synced with the universal
   model, muxed as H.264 + AAC
Photo: fetch the portrait, check its header (pixels) before decoding it, then the face (one face,
large enough, facing the camera), store it with its landmarks, and render
the preview by warping the face mesh (lipsync/photo.py)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from videotwin.errors import InputFetchError
from videotwin.lipsync import animate, footage
from videotwin.lipsync.animate import FootageSpeaker, PhotoSpeaker, Speaker
from videotwin.lipsync.photo import PHOTO_FPS
from videotwin.lipsync.tracking import Track, track_video
from videotwin.media import video
from videotwin.media.audio import MediaError
from videotwin.pipelines import pack, steps
from videotwin.pipelines.base import JobContext, JobInputs, Pipeline, PipelineError
from videotwin.pipelines.pack import AvatarFiles, AvatarPack
from videotwin.speech import voices

KIND = "avatar.create"
PREVIEW_TEXT = "Hello! This is my new avatar. I can say anything you type, in your own voice."
# The pack is at most this many pixels on the longer side (1080p).
MAX_PACK_SIDE_PX = 1920
COVER_JPEG_QUALITY = 90
# The cover is the calmest face within this many seconds from the start.
COVER_WINDOW_SECONDS = 5
ERR_FOOTAGE = 20
MIN_PHOTO_FACE_PX = 100
# A photo may show the lips apart (a smile with teeth: the avatar keeps them, closing only a little),
# not a mouth wide open: the face cannot be bent shut without folding. Inner-lip gap / eye-corner
# distance (smiling fixture portraits 0.10-0.16, wide-open ones 0.34 and 0.53).
MAX_PHOTO_REST_OPENING = 0.2


class Inputs(JobInputs):
    source_kind: Literal["video", "image"] = "video"
    url: str
    gender: Literal["female", "male"] = "female"
    # Shortest footage accepted, seconds (settings.min_training_seconds when the avatar was asked for).
    min_seconds: float = 10.0
    # The preview video; a pipeline that makes the avatar only to speak at once (talking photo/video)
    # goes without.
    preview: bool = True


Outputs = AvatarPack


def run(ctx: JobContext, inputs: Inputs) -> AvatarPack:
    if inputs.source_kind == "image":
        return run_photo(ctx, inputs)
    source = ctx.workdir / "source"
    try:
        fetched = ctx.fetch(inputs.url, source, field="video_url", accept=["video"])
        info = video.probe(source)
    except InputFetchError as exc:
        raise PipelineError(exc.message, ERR_FOOTAGE) from None
    except MediaError as exc:
        raise PipelineError(f"video_url: {exc}; send an MP4 or MOV video", ERR_FOOTAGE) from None
    s = ctx.settings
    limits = footage.FootageLimits(min_seconds=inputs.min_seconds, max_seconds=s.max_avatar_footage_seconds,
                                   max_frame_pixels=s.max_video_frame_pixels, max_fps=s.max_video_fps)
    problem = footage.check_video(info, limits)
    if problem is not None:
        raise PipelineError(f"video_url: {problem.message}", ERR_FOOTAGE)
    ctx.progress(0.05)

    track = track_video(source, ctx.models, progress=ctx.span(0.05, 0.5))
    problem = footage.check(track, info.duration, inputs.min_seconds)
    if problem is not None:
        raise PipelineError(f"video_url: {problem.message}", ERR_FOOTAGE)
    size = video.scaled_size(info.width, info.height, MAX_PACK_SIDE_PX)
    track = animate.scaled_track(track, size)
    ctx.progress(0.55)

    # The base video and mouth bank, and the cover (the frame with the most closed mouth in the
    # first few seconds: a calm face for the listing), from one decoding pass.
    window = min(track.frames, int(track.fps * COVER_WINDOW_SECONDS) or 1)
    pick = int(np.nanargmin(track.mouth_opening()[:window]))
    cover = ctx.workdir / pack.COVER

    def keep_cover(i: int, frame: np.ndarray) -> None:
        if i == pick:
            steps.save_jpeg(frame, cover, COVER_JPEG_QUALITY)

    base, bank, track_file = ctx.workdir / pack.BASE, ctx.workdir / pack.BANK, ctx.workdir / pack.TRACK
    animate.build_pack_media(source, track, base, bank, progress=ctx.span(0.55, 0.75), on_frame=keep_cover)
    animate.save_track(track, track_file)
    preview = _preview(ctx, FootageSpeaker(base, bank, track), inputs.gender, ctx.span(0.75, 1.0)) \
        if inputs.preview else None
    files = AvatarFiles(
        footage=ctx.store(source, fetched.content_type or "video/mp4",
                          name="footage" + Path(fetched.url.split("?")[0]).suffix[:8]),
        track=ctx.store(track_file, "application/octet-stream"), base=ctx.store(base, "video/mp4"),
        bank=ctx.store(bank, "application/zip"), cover=ctx.store(cover, "image/jpeg"),
        preview=ctx.store(preview, "video/mp4") if preview else None)
    return AvatarPack(files=files, fps=track.fps, frames=track.frames, width=size[0], height=size[1],
                      duration=round(info.duration, 3), preview_seconds=_seconds(preview))


def _preview(ctx: JobContext, speaker: Speaker, gender: str, progress) -> Path:
    """The avatar saying PREVIEW_TEXT in a voice of its gender, with the universal model."""
    voice = voices.default_voice("en", gender)
    speech = steps.synthesize_speech(ctx, PREVIEW_TEXT, voice.id, None, ERR_FOOTAGE)
    n_frames = math.ceil(speech.seconds * speaker.fps)
    z = steps.mouth_motion(ctx, speech, speaker.fps, n_frames)
    out = ctx.workdir / pack.PREVIEW
    steps.render(ctx, speaker, z, speech, out, progress=progress)
    return out


def run_photo(ctx: JobContext, inputs: Inputs) -> AvatarPack:
    source = ctx.workdir / "source"
    try:
        fetched = ctx.fetch(inputs.url, source, field="image_url", accept=["image"])
    except InputFetchError as exc:
        raise PipelineError(exc.message, ERR_FOOTAGE) from None
    photo = steps.read_image(ctx, source, "image_url", ERR_FOOTAGE, min_side_px=MIN_PHOTO_FACE_PX)
    h, w = photo.shape[:2]
    size = video.scaled_size(w, h, MAX_PACK_SIDE_PX)
    rgb = cv2.resize(photo, size, interpolation=cv2.INTER_AREA)
    obs = steps.still_face(ctx, rgb)
    if obs.landmarks is None:
        raise PipelineError("image_url: no face was found; use a photo of one person facing the camera, face "
                            "well lit and fully in the picture", ERR_FOOTAGE)
    if len(obs.widths) > 1 and obs.widths[1] >= footage.SECOND_FACE_MIN_RELATIVE_WIDTH * obs.widths[0]:
        raise PipelineError("image_url: more than one face is in the photo; use a photo of one person alone",
                            ERR_FOOTAGE)
    track = Track(PHOTO_FPS, size[0], size[1], np.array([1]), np.array([0.0]), obs.landmarks[None], np.array([True]))
    face_px = float(track.face_height()[0])
    if face_px < MIN_PHOTO_FACE_PX:
        raise PipelineError(f"image_url: the face is only {face_px:.0f} px tall; use a photo where the face is at "
                            f"least {MIN_PHOTO_FACE_PX} px tall", ERR_FOOTAGE)
    if abs(float(track.yaw_degrees()[0])) > footage.MAX_YAW_DEGREES:
        raise PipelineError("image_url: the face is turned away; use a photo looking into the camera", ERR_FOOTAGE)
    if float(track.mouth_opening()[0]) > MAX_PHOTO_REST_OPENING:
        raise PipelineError("image_url: the mouth is wide open in this photo; use a photo with the lips closed or "
                            "slightly apart (a smile showing the teeth is fine)", ERR_FOOTAGE)
    ctx.progress(0.2)

    track_file = ctx.workdir / pack.TRACK
    animate.save_track(track, track_file)
    cover = steps.save_jpeg(rgb, ctx.workdir / pack.COVER, COVER_JPEG_QUALITY)
    preview = _preview(ctx, PhotoSpeaker(rgb, obs.landmarks), inputs.gender, ctx.span(0.3, 1.0)) \
        if inputs.preview else None
    files = AvatarFiles(
        image=ctx.store(source, fetched.content_type or "image/jpeg",
                        name="portrait" + (Path(fetched.url.split("?")[0]).suffix[:6] or ".jpg")),
        track=ctx.store(track_file, "application/octet-stream"), cover=ctx.store(cover, "image/jpeg"),
        preview=ctx.store(preview, "video/mp4") if preview else None)
    return AvatarPack(files=files, fps=PHOTO_FPS, frames=1, width=size[0], height=size[1],
                      preview_seconds=_seconds(preview))


def _seconds(preview: Path | None) -> float | None:
    return round(video.probe(preview).duration, 3) if preview else None


PIPELINE = Pipeline(KIND, Inputs, AvatarPack, run)
