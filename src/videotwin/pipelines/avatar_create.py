"""avatar.create: an avatar from a video of the person talking, or from a photo
(userVideoTwin/startTraining).

Video:
1. fetch the video (the Content-Type must say video), probe it
2. track the face in every frame; check the footage (length, one face, size, facing the camera)
3. store the avatar's pack: the footage, its track (landmarks, mouth opening, fps) and a cover image
4. render the preview: a default sentence in a voice matching `gender`, lip-synced with the universal
   model by the retrieval renderer, muxed as H.264 + AAC
Photo: fetch and check the portrait (one face, large enough, facing the camera), store it with its
landmarks, and render the preview by warping the face mesh (lipsync/photo.py)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from videotwin.domain.errors import InputFetchError
from videotwin.lipsync import animate, footage, model
from videotwin.lipsync.photo import PHOTO_FPS
from videotwin.lipsync.tracking import Track, track_video
from videotwin.media import video
from videotwin.media.audio import MediaError, decode, write_wav
from videotwin.pipelines.base import JobContext, PipelineError
from videotwin.speech import service, voices

PREVIEW_TEXT = "Hello! This is my new avatar. I can say anything you type, in your own voice."
# Output is at most this many pixels on the longer side (1080p).
MAX_OUTPUT_SIDE_PX = 1920
COVER_JPEG_QUALITY = 90
# The cover is the calmest face within this many seconds from the start.
COVER_WINDOW_SECONDS = 5
ERR_FOOTAGE = 20


MIN_PHOTO_FACE_PX = 100
# A photo may show the lips apart (a smile with teeth: the avatar keeps them, closing only a little),
# not a mouth wide open: the face cannot be bent shut without folding. Inner-lip gap / eye-corner
# distance (smiling fixture portraits 0.10-0.16, wide-open ones 0.34 and 0.53).
MAX_PHOTO_REST_OPENING = 0.2


def run(ctx: JobContext) -> dict:
    if ctx.inputs.get("source_kind") == "image":
        return run_photo(ctx)
    source = ctx.workdir / "source"
    try:
        fetched = ctx.fetch(ctx.inputs.get("url") or ctx.inputs["video_url"], source, field="video_url",
                            accept=["video"])
        info = video.probe(source)
    except InputFetchError as exc:
        raise PipelineError(exc.message, ERR_FOOTAGE) from None
    except MediaError as exc:
        raise PipelineError(f"video_url: {exc}; send an MP4 or MOV video", ERR_FOOTAGE) from None
    ctx.progress(0.05)

    track = track_video(source, progress=lambda f: ctx.progress(0.05 + 0.45 * f))
    problem = footage.check(track, info.duration, float(ctx.inputs.get("min_seconds", 10.0)))
    if problem is not None:
        raise PipelineError(f"video_url: {problem.message}", ERR_FOOTAGE)

    size = video.scaled_size(info.width, info.height, MAX_OUTPUT_SIDE_PX)
    track = animate.scaled_track(track, size)
    ctx.progress(0.55)

    files = {"footage": ctx.output_key("footage" + Path(fetched.url.split("?")[0]).suffix[:8]),
             "track": ctx.output_key("track.npz"), "base": ctx.output_key("base.mp4"),
             "bank": ctx.output_key("bank.zip"), "cover": ctx.output_key("cover.jpg"),
             "preview": ctx.output_key("preview.mp4")}
    ctx.blobs.put_file(files["footage"], source, fetched.content_type or "video/mp4")
    animate.save_track(track, ctx.workdir / "track.npz")
    ctx.blobs.put_file(files["track"], ctx.workdir / "track.npz", "application/octet-stream")

    # The pack's base video and mouth bank, and the cover: the frame with the most closed mouth in
    # the first few seconds (a calm face for the listing), all from one decoding pass.
    window = min(track.frames, int(track.fps * COVER_WINDOW_SECONDS) or 1)
    pick = int(np.nanargmin(track.mouth_opening()[:window]))
    cover: dict[str, bytes] = {}

    def keep_cover(i: int, frame: np.ndarray) -> None:
        if i == pick:
            cover["jpg"] = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR),
                                        [cv2.IMWRITE_JPEG_QUALITY, COVER_JPEG_QUALITY])[1].tobytes()

    base, bank = ctx.workdir / "base.mp4", ctx.workdir / "bank.zip"
    animate.build_pack_media(source, track, base, bank, progress=lambda f: ctx.progress(0.55 + 0.2 * f),
                             on_frame=keep_cover)
    (ctx.workdir / "cover.jpg").write_bytes(cover["jpg"])
    ctx.blobs.put_file(files["cover"], ctx.workdir / "cover.jpg", "image/jpeg")
    ctx.progress(0.75)

    preview = _preview(ctx, base, bank, size, track)
    ctx.blobs.put_file(files["base"], base, "video/mp4")
    ctx.blobs.put_file(files["bank"], bank, "application/zip")
    ctx.blobs.put_file(files["preview"], preview, "video/mp4")
    return {"files": files, "fps": track.fps, "frames": track.frames, "width": size[0], "height": size[1],
            "duration": round(info.duration, 3), "preview_seconds": round(_duration(preview), 3)}


def _preview(ctx: JobContext, base: Path, bank: Path, size: tuple[int, int], track: Track) -> Path:
    wav, audio16 = _speech(ctx)
    n_out = int(np.ceil(len(audio16) / model.SAMPLE_RATE_HZ * track.fps))
    z = model.MouthModel.load().predict(audio16, track.fps, n_out)
    out = ctx.workdir / "preview.mp4"
    enc = video.Encoder(out, size, track.fps, audio=wav, frames=n_out)
    try:
        speaker = animate.FootageSpeaker(base, bank, track, size)
        for frame in speaker.frames(z, progress=lambda f: ctx.progress(0.75 + 0.25 * f)):
            enc.write(frame)
    finally:
        enc.close()
    return out


def _duration(path: Path) -> float:
    return video.probe(path).duration


def _speech(ctx: JobContext) -> tuple[Path, np.ndarray]:
    voice = voices.default_voice("en", ctx.inputs.get("gender", "female"))
    speech, sr = service.synthesizer(ctx.settings.models_dir).synthesize(PREVIEW_TEXT, voice)
    wav = ctx.workdir / "preview.wav"
    write_wav(wav, speech, sr)
    return wav, decode(wav, model.SAMPLE_RATE_HZ)


def run_photo(ctx: JobContext) -> dict:
    from videotwin.inference.face import FaceTracker

    source = ctx.workdir / "source"
    try:
        fetched = ctx.fetch(ctx.inputs["url"], source, field="image_url", accept=["image"])
    except InputFetchError as exc:
        raise PipelineError(exc.message, ERR_FOOTAGE) from None
    bgr = cv2.imdecode(np.fromfile(source, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise PipelineError("image_url: the file is not a readable image; send a JPEG or PNG portrait", ERR_FOOTAGE)
    h, w = bgr.shape[:2]
    size = video.scaled_size(w, h, MAX_OUTPUT_SIDE_PX)
    rgb = cv2.cvtColor(cv2.resize(bgr, size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
    tracker = FaceTracker(static_images=True)
    obs = tracker.observe(rgb)
    tracker.close()
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

    files = {"image": ctx.output_key("portrait" + (Path(fetched.url.split("?")[0]).suffix[:6] or ".jpg")),
             "track": ctx.output_key("track.npz"), "cover": ctx.output_key("cover.jpg"),
             "preview": ctx.output_key("preview.mp4")}
    ctx.blobs.put_file(files["image"], source, fetched.content_type or "image/jpeg")
    animate.save_track(track, ctx.workdir / "track.npz")
    ctx.blobs.put_file(files["track"], ctx.workdir / "track.npz", "application/octet-stream")
    _, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY,
                                                                          COVER_JPEG_QUALITY])
    (ctx.workdir / "cover.jpg").write_bytes(data.tobytes())
    ctx.blobs.put_file(files["cover"], ctx.workdir / "cover.jpg", "image/jpeg")

    wav, audio16 = _speech(ctx)
    n_out = int(np.ceil(len(audio16) / model.SAMPLE_RATE_HZ * PHOTO_FPS))
    z = model.MouthModel.load().predict(audio16, PHOTO_FPS, n_out)
    out = ctx.workdir / "preview.mp4"
    enc = video.Encoder(out, size, PHOTO_FPS, audio=wav, frames=n_out)
    try:
        speaker = animate.PhotoSpeaker(rgb, obs.landmarks)
        for frame in speaker.frames(z, PHOTO_FPS, progress=lambda f: ctx.progress(0.3 + 0.7 * f)):
            enc.write(frame)
    finally:
        enc.close()
    ctx.blobs.put_file(files["preview"], out, "video/mp4")
    return {"files": files, "fps": PHOTO_FPS, "frames": 1, "width": size[0], "height": size[1],
            "preview_seconds": round(_duration(out), 3)}
