"""caption.remove: a video with its burned-in captions and overlay text taken out, the background
restored (A2E's userCaptionRemoval/start).

1. fetch the video (the Content-Type must say video), probe it: refuse what is outside the limits
   (frame size, frame rate, length) before decoding anything
2. find the text: the PP-OCR detector on a frame every text_mask.SAMPLE_SECONDS, its lines followed
   through time into tracks; the caption band and the overlays decide which tracks are taken out
   (media/text_mask.py)
3. no text to take out: the result is the video as it was (the same file), and the record says so
4. otherwise decode every frame once more, mask each (the glyphs, their outline and shadow, on the
   frames they show on), fill the masks with the background other frames show, painting from the
   frame itself what they do not (media/text_fill.py), and encode; pixels outside the masks are
   the input's, re-encoded at a high quality
5. the sound is copied from the source as it was."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from videotwin.errors import InputFetchError
from videotwin.inference.registry import ModelRegistry
from videotwin.inference.text_detect import TextDetector
from videotwin.media import text_fill, text_mask, video
from videotwin.media.audio import MediaError
from videotwin.media.probe import VideoInfo, megapixels
from videotwin.pipelines.base import JobContext, JobInputs, JobOutputs, Pipeline, PipelineError

KIND = "caption.remove"
ERR_SOURCE = 50
# Progress: finding the text, then restoring (decoding, filling, encoding).
FOUND, RESTORED = 0.3, 0.97
# The output's quality: outside the masks it should differ from the input only by re-encoding, so
# better than the usual renders (video.H264_CRF).
OUTPUT_CRF = 16
# The region the fill works on: the text boxes grown by this much (the fill reads the ring around
# each mask, and the flow needs some scene around it).
ROI_MARGIN_PX = 24
NO_TEXT_NOTE = "no burned-in text was found; the result is the video unchanged"


class Inputs(JobInputs):
    source_url: str


class Files(BaseModel):
    result: str


class Outputs(JobOutputs):
    files: Files
    text_found: bool  # False: no burned-in text was found, and the result is the video unchanged
    text_frames: int = 0  # frames in which text was taken out
    frames: int = 0
    duration: float = 0.0  # seconds
    notes: tuple[str, ...] = ()  # what the user should know about the result


def run(ctx: JobContext, inputs: Inputs) -> Outputs:
    source = ctx.workdir / "source"
    try:
        fetched = ctx.fetch(inputs.source_url, source, field="source_url", accept=["video"])
        info = video.probe(source)
    except InputFetchError as exc:
        raise PipelineError(exc.message, ERR_SOURCE) from None
    except MediaError as exc:
        raise PipelineError(f"source_url: {exc}; send an MP4 or MOV video", ERR_SOURCE) from None
    _check(ctx, info)
    fps = info.fps or 25.0
    width, height = info.width, info.height
    ctx.progress(0.02)

    masks = find_text(ctx.models, source, info, ctx.span(0.02, FOUND))
    if masks.roi is None:
        return Outputs(files=Files(result=ctx.store(source, fetched.content_type or "video/mp4", name="result.mp4")),
                       text_found=False, frames=info.frames, duration=round(info.duration, 3), notes=(NO_TEXT_NOTE,))

    roi = masks.roi.grown(ROI_MARGIN_PX, width, height)
    filler = text_fill.Filler(roi, (width, height))
    picture = ctx.workdir / "picture.mp4"
    enc = video.Encoder(picture, (width, height), fps, crf=OUTPUT_CRF)
    total = max(1, round(info.duration * fps))
    counted = {"text": 0, "frames": 0}

    def masked():
        for i, rgb in enumerate(video.frames(source, fps=fps)):
            mask = masks.mask(i, rgb)
            counted["text"] += mask is not None
            yield rgb, None if mask is None else roi.crop(mask).copy()  # a copy: the frame's mask is freed

    try:
        for i, frame in enumerate(filler.run(masked())):
            enc.write(frame)
            counted["frames"] = i + 1
            if i % 8 == 0:
                ctx.progress(FOUND + (RESTORED - FOUND) * min(1.0, i / total))
    finally:
        enc.close()
    result = ctx.workdir / "result.mp4"
    try:
        video.with_audio_of(picture, source, result)
    except MediaError:
        shutil.copyfile(picture, result)  # never lose the picture over a sound track ffmpeg cannot copy
    notes = () if counted["text"] else (NO_TEXT_NOTE,)
    return Outputs(files=Files(result=ctx.store(result, "video/mp4")), text_found=counted["text"] > 0,
                   text_frames=counted["text"], frames=counted["frames"], duration=round(counted["frames"] / fps, 3),
                   notes=notes)


def find_text(models: ModelRegistry, source: Path, info: VideoInfo, progress: Callable[[float], None]
              ) -> text_mask.Masks:
    """The text to take out of the video, frame by frame (step 2)."""
    fps = info.fps or 25.0
    every = max(1, round(fps * text_mask.SAMPLE_SECONDS))
    tracker = text_mask.Tracker(info.width, info.height)
    expected = max(1, info.frames // every)
    with models.use(TextDetector) as detector:
        for sample, rgb in enumerate(video.sampled(source, every, fps)):
            lines = [text_mask.Box(line.x0, line.y0, line.x1, line.y1) for line in detector.predict(rgb)]
            tracker.add(sample, rgb, lines)
            progress(min(1.0, (sample + 1) / expected))
    text_mask.finish(tracker.tracks, info.width, info.height, every / fps)
    return text_mask.Masks(tracker.tracks, every, info.width, info.height)


def _check(ctx: JobContext, info: VideoInfo) -> None:
    """The video's limits, from its metadata (nothing decoded yet)."""
    s = ctx.settings
    w, h = info.width, info.height
    if w * h > s.max_video_frame_pixels:
        raise PipelineError(f"source_url: the video is {w}x{h} pixels ({megapixels(w * h)} megapixels a frame); at "
                            f"most {megapixels(s.max_video_frame_pixels)} megapixels a frame are accepted", ERR_SOURCE)
    if info.fps > s.max_video_fps:
        raise PipelineError(f"source_url: the video has {info.fps:.4g} frames a second; at most {s.max_video_fps:g} "
                            "are accepted", ERR_SOURCE)
    if info.duration > s.max_source_video_seconds:
        raise PipelineError(f"source_url: the video is {info.duration:.0f} s long; at most "
                            f"{s.max_source_video_seconds:g} s are accepted; split it into parts", ERR_SOURCE)
    if min(w, h) < text_mask.MIN_FRAME_SIDE_PX:
        raise PipelineError(f"source_url: the video is {w}x{h} pixels; at least {text_mask.MIN_FRAME_SIDE_PX} "
                            "pixels on each side are needed", ERR_SOURCE)


PIPELINE = Pipeline(KIND, Inputs, Outputs, run)
