"""video.generate: an avatar says an audio track or a text (video/generate).

1. the speech: fetch audioSrc (any audio or video file) or synthesise msg; refuse what is not audio,
   is silent or is longer than the limit (the job fails and is refunded)
2. the mouth motion for it (the avatar's personalised lip-sync model, else the universal one), and
   caption timing if asked (Whisper's word timestamps; the known text aligned to them)
3. the lip-synced avatar at the size the layout gives it (a longer audio loops the footage forward
   and back), matted onto the background at its place on the canvas if there is one, captioned
4. H.264 + AAC; with a background, the person's own video and the background are kept too
   (result_people_url and result_bg_url, as A2E returns them).
Memory stays bounded whatever the length: frames stream from decoder to encoder."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from videotwin.media.layout import layout
from videotwin.pipelines import steps
from videotwin.pipelines.base import JobContext, JobInputs, JobOutputs, Pipeline
from videotwin.pipelines.pack import AvatarFiles
from videotwin.speech.tts import CloneProfile

KIND = "video.generate"
ERR_AUDIO = 30
ERR_AVATAR = 31
# Progress: the pipeline reports COPY_PROGRESS while storing (A2E's status word "copy").
COPY_PROGRESS = 0.97


class Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Anchor(Part):
    """The avatar that speaks: its pack, and the personalised lip-sync model it uses (if any)."""

    id: str
    kind: Literal["video", "image"]
    gender: str
    files: AvatarFiles
    fps: float | None = None
    width: int | None = None
    height: int | None = None
    model: str | None = None  # blob key of the personalised lip-sync model in use


class Voice(Part):
    """How a text (msg) is spoken."""

    voice_id: str
    language: str
    clone: CloneProfile | None = None


class ImageBackground(Part):
    kind: Literal["image"] = "image"
    id: str
    key: str  # blob key of the picture (system backgrounds are in the store too)


class ColourBackground(Part):
    kind: Literal["color"] = "color"
    rgba: list[float]


Background = Annotated[ImageBackground | ColourBackground, Field(discriminator="kind")]


class Canvas(Part):
    """A2E's editor canvas in the client's units, and the person's box on it (x, y, width, height)."""

    width: float
    height: float
    people: tuple[float, float, float, float] | None = None


class CaptionStyle(Part):
    """How captions look, already resolved from A2E's keys (domain/videos.py): colours as rgba()."""

    font_size: float
    color: str
    stroke_color: str
    stroke_width: float
    background_color: str  # the box behind each cue (transparent: no box)
    subtitle_position: float
    font_family: str | None = None
    language: str | None = None
    shadow_color: str = "rgba(0,0,0,0)"  # a drop shadow under the glyphs (transparent: none)
    title: str | None = None  # a line shown at the top for the whole video
    title_background: str = "rgba(0,0,0,0.5)"


class Inputs(JobInputs):
    anchor: Anchor
    anchor_type: int
    audio_url: str | None = None
    text: str | None = None
    voice: Voice | None = None  # with text
    resolution: int = 1080
    background: Background | None = None
    canvas: Canvas | None = None
    captions: CaptionStyle | None = None
    max_audio_seconds: float = 1800.0
    notes: tuple[str, ...] = ()  # what was accepted but not used (shown on the record)


class VideoFiles(Part):
    result: str
    people: str | None = None  # with a background: the avatar before matting
    bg: str | None = None  # with a background: the background as used


class Outputs(JobOutputs):
    files: VideoFiles
    duration: float
    fps: float
    width: int
    height: int
    frames: int


def run(ctx: JobContext, inputs: Inputs) -> Outputs:
    if inputs.text:
        speech = steps.synthesize_speech(ctx, inputs.text, inputs.voice.voice_id, inputs.voice.clone, ERR_AUDIO)
    else:
        speech = steps.fetch_speech(ctx, inputs.audio_url, "audioSrc", inputs.max_audio_seconds, ERR_AUDIO)
    ctx.progress(0.08)

    speaker = steps.avatar_speaker(ctx, inputs.anchor.files, ERR_AVATAR)
    canvas = inputs.canvas
    frame = layout(speaker.size, inputs.resolution, (canvas.width, canvas.height) if canvas else None,
                   canvas.people if canvas else None)
    n_frames = max(1, math.ceil(speech.seconds * speaker.fps))
    z = steps.mouth_motion(ctx, speech, speaker.fps, n_frames, inputs.anchor.model)
    overlays = steps.caption_burners(ctx, speech, _look(inputs), frame.canvas) if inputs.captions else []
    ctx.progress(0.15)

    background = None
    if isinstance(inputs.background, ImageBackground):
        background = steps.background_image(ctx, inputs.background.key, frame.canvas, ERR_AVATAR)
    elif isinstance(inputs.background, ColourBackground):
        background = steps.background_colour(inputs.background.rgba, frame.canvas)
    out, people = ctx.workdir / "video.mp4", ctx.workdir / "people.mp4"
    steps.render(ctx, speaker, z, speech, out, layout=frame, background=background, overlays=overlays,
                 people=people if background is not None else None, progress=ctx.span(0.15, 0.95))

    ctx.progress(COPY_PROGRESS)
    matted = {}
    if background is not None:
        bg = steps.save_jpeg(background, ctx.workdir / "background.jpg")
        matted = {"people": ctx.store(people, "video/mp4"), "bg": ctx.store(bg, "image/jpeg")}
    files = VideoFiles(result=ctx.store(out, "video/mp4"), **matted)
    return Outputs(files=files, duration=round(speech.seconds, 3), fps=speaker.fps, width=frame.canvas[0],
                   height=frame.canvas[1], frames=n_frames)


def _look(inputs: Inputs) -> steps.CaptionLook:
    c = inputs.captions
    language = c.language or (inputs.voice.language if inputs.voice else None)
    return steps.CaptionLook(c.font_size, c.color, c.stroke_color, c.stroke_width, c.background_color,
                             c.subtitle_position, language, c.shadow_color, c.title, c.title_background)


PIPELINE = Pipeline(KIND, Inputs, Outputs, run)
