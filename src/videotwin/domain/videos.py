"""Avatar videos (video/generate): an anchor says an audio track or a text, optionally matted onto a
background and captioned. A video is a job of kind video.generate with a task record (avatar_videos)
whose `_id` is the job's id.

Everything that can be checked without the media is checked here, before anything is charged; what
needs the audio itself (not audio, silent, too long) fails the job, which refunds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from videotwin.config import Prices
from videotwin.db.tables import AvatarVideoRow, UserRow
from videotwin.domain import avatars, backgrounds, jobs, lipsync_models, speech
from videotwin.domain.jobs import Cost, Job
from videotwin.domain.tasks import Submission
from videotwin.errors import BadInput
from videotwin.ids import is_id
from videotwin.media import colour
from videotwin.pipelines import video_generate
from videotwin.pipelines.video_generate import Anchor, Canvas, CaptionStyle, ColourBackground, ImageBackground, Voice
from videotwin.speech import scripts, voices
from videotwin.storage.fetch import check_url

if TYPE_CHECKING:
    from videotwin.domain.ports import Services

RESOLUTIONS = (480, 720, 1080)
MAX_TITLE_CHARS = 40
# Text spoken by video/generate itself (msg without audioSrc), characters.
MAX_TEXT_CHARS = 5000
# A2E's error code for both background ids in one request.
CODE_BOTH_BACKGROUNDS = 30005
# The person box must keep at least this share of its area inside the canvas.
MIN_PERSON_INSIDE_SHARE = 0.5
# Canvas shape limits: at most this elongated, and the person's box at least this share of each side.
MAX_CANVAS_ASPECT = 4.0
MIN_PERSON_SHARE = 0.1
# The canvas may be at most this many times the output resolution in editor units (a sanity bound).
MAX_CANVAS_UNITS = 10_000
CAPTION_FIELDS = ("font_family", "font_size", "color", "stroke_color", "stroke_width", "background_color",
                  "subtitle_position", "language")
DEFAULT_CAPTION = {"font_size": 0.05, "color": "rgba(255,255,255,1)", "stroke_color": "rgba(0,0,0,1)",
                   "stroke_width": 0.08, "background_color": "rgba(0,0,0,0)", "subtitle_position": 0.85}


class BothBackgrounds(BadInput):
    """back_id and custom_back_id together (A2E code 30005)."""

    code = CODE_BOTH_BACKGROUNDS


@dataclass(frozen=True)
class Video:
    id: str
    owner_id: str
    created_at: datetime
    job: Job

    @cached_property
    def inputs(self) -> video_generate.Inputs:
        return self.job.inputs_as(video_generate.Inputs)

    @cached_property
    def result(self) -> video_generate.Outputs | None:
        return self.job.result(video_generate.Outputs)

    @property
    def status(self) -> str:
        return STATUS_WORDS.of(self.job)


def video(session: Session, row: AvatarVideoRow, job: Job) -> Video:
    return Video(row.id, row.owner_id, row.created_at, job)


def price(prices: Prices, inputs: video_generate.Inputs) -> Cost | None:
    return Cost("coins", prices.video_coins) if prices.video_coins else None


class VideoStatusWords:
    """A2E's avatar-video words: init (accepted), start, pending (queued again), process, copy (storing
    the result), success, fail (also cancelled)."""

    def of(self, job: Job) -> str:
        if job.status == jobs.QUEUED:
            return "init" if job.attempts == 0 else "pending"
        if job.status == jobs.RUNNING:
            if job.progress <= 0.0:
                return "start"
            return "copy" if job.progress >= video_generate.COPY_PROGRESS else "process"
        return "success" if job.status == jobs.SUCCEEDED else "fail"


STATUS_WORDS = VideoStatusWords()


def parse_colour(value: str, field: str) -> list[float]:
    try:
        return list(colour.parse(value))
    except ValueError as exc:
        raise BadInput(field, str(exc)) from None


@dataclass(frozen=True)
class GenerateRequest:
    anchor_id: str
    anchor_type: int
    title: str | None = None
    audio_src: str | None = None
    msg: str | None = None
    custom_voice: str | None = None
    resolution: int = 1080
    back_id: str | None = None
    custom_back_id: str | None = None
    color: str | None = None
    canvas: dict[str, float | None] | None = None  # web_bg_width/height, web_people_width/height/x/y
    captions: bool = False
    caption_align: dict[str, Any] | None = None
    public_pool: bool | None = None
    webhook_url: str | None = None
    webhook_token: str | None = None


def _blank(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


def _canvas(fields: dict[str, float | None] | None) -> Canvas | None:
    """The editor's canvas and the person's box on it, checked; None when not given."""
    fields = {k: v for k, v in (fields or {}).items() if v is not None}
    if not fields:
        return None
    for name, value in fields.items():
        if not 0 <= value <= MAX_CANVAS_UNITS:
            raise BadInput(name, f"{value} is outside 0-{MAX_CANVAS_UNITS}")
    w, h = fields.get("web_bg_width"), fields.get("web_bg_height")
    if not w or not h:
        raise BadInput("web_bg_width", "web_bg_width and web_bg_height (the canvas size, both above 0) are needed "
                                       "with the web_people_* fields")
    if max(w / h, h / w) > MAX_CANVAS_ASPECT:
        raise BadInput("web_bg_width", f"a {w:g}x{h:g} canvas is more than {MAX_CANVAS_ASPECT}:1; use a video shape "
                                       "such as 16:9, 9:16 or 1:1")
    pw, ph = fields.get("web_people_width"), fields.get("web_people_height")
    if pw is None and ph is None:
        return Canvas(width=w, height=h)
    if not pw or not ph:
        raise BadInput("web_people_width", "web_people_width and web_people_height must both be above 0")
    if pw < MIN_PERSON_SHARE * w or ph < MIN_PERSON_SHARE * h:
        raise BadInput("web_people_width", f"a {pw:g}x{ph:g} person on a {w:g}x{h:g} canvas is too small to see; "
                                           f"give the person at least {MIN_PERSON_SHARE:.0%} of each side")
    x, y = fields.get("web_people_x", 0.0), fields.get("web_people_y", 0.0)
    inside_w = max(0.0, min(x + pw, w) - max(x, 0.0))
    inside_h = max(0.0, min(y + ph, h) - max(y, 0.0))
    if inside_w * inside_h < MIN_PERSON_INSIDE_SHARE * pw * ph:
        raise BadInput("web_people_x", f"the person's box ({pw:g}x{ph:g} at {x:g},{y:g}) lies mostly outside the "
                                       f"{w:g}x{h:g} canvas; at least half of it must be on the canvas")
    return Canvas(width=w, height=h, people=(x, y, pw, ph))


def _captions(align: dict[str, Any] | None) -> CaptionStyle:
    style = dict(DEFAULT_CAPTION)
    for name, value in (align or {}).items():
        field = f"captionAlign.{name}"
        if name not in CAPTION_FIELDS:
            raise BadInput(field, f"is not a caption setting; accepted: {', '.join(CAPTION_FIELDS)}")
        if value is None:
            continue
        if name in ("color", "stroke_color", "background_color"):
            if not isinstance(value, str):
                raise BadInput(field, "expected a colour string such as rgba(255,255,255,1)")
            style[name] = value
            parse_colour(value, field)
        elif name in ("font_size", "stroke_width", "subtitle_position"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise BadInput(field, f"{value!r} is not a number")
            limits = {"font_size": (0.01, 200), "stroke_width": (0, 0.5), "subtitle_position": (0, 1)}[name]
            if not limits[0] <= value <= limits[1]:
                raise BadInput(field, f"{value} is outside {limits[0]}-{limits[1]}")
            style[name] = float(value)
        elif not isinstance(value, str) or len(value) > 64:
            raise BadInput(field, "expected a short string")
        else:
            style[name] = value
    return CaptionStyle(**style)


def _anchor_inputs(session: Session, anchor: avatars.Anchor) -> Anchor:
    pack = anchor.pack
    # The personalised lip-sync model, when one was trained and beat the universal one.
    used = lipsync_models.in_use(session, anchor.twin_id)
    return Anchor(id=anchor.id, kind=pack.kind, gender=anchor.gender, files=pack.files, model=used.model_key,
                  fps=pack.fps, width=pack.width, height=pack.height)


def _voice(services: Services, owner_id: str, text: str, custom_voice: str | None, gender: str) -> Voice:
    detected: dict[str, tuple[str | None, float]] = {}

    def detect(words: str) -> tuple[str | None, float]:  # one call to the model server per text
        if words not in detected:
            detected[words] = services.inference.detect_language(words)
        return detected[words]

    if custom_voice is not None:
        tts_id, user_voice_id = (None, custom_voice) if is_id(custom_voice) else (custom_voice, None)
        voice, profile = speech.resolve_voice(services, owner_id, tts_id, user_voice_id, field="custom_voice")
    else:
        code, _confidence = detect(text)
        voice = voices.default_voice(code or "en", gender)
        if voice is None:
            raise BadInput("msg", f"no voice speaks {code!r}; give custom_voice (anchor/voice_list lists voices)")
        profile = None
    problem = scripts.language_problem(text, voice.language, detect)
    if problem:
        raise BadInput("msg", problem)
    return Voice(voice_id=voice.id, language=voice.language, clone=profile)


def _pool(session: Session, services: Services, owner_id: str, public_pool: bool | None) -> str:
    """The queue a video goes to: the user's dedicated pool if the operator configured one, unless the
    request (isToPublicPool) or the user's setting (video/auto-public-pool) sends it to the shared one."""
    user = session.get(UserRow, owner_id)
    dedicated = services.settings.dedicated_pools.get(user.username) if user is not None else None
    to_public = public_pool if public_pool is not None else bool(user and user.auto_public_pool)
    return jobs.DEFAULT_QUEUE if to_public or not dedicated else dedicated


def submission(services: Services, owner_id: str, req: GenerateRequest) -> Submission:
    """The input builder: check a video request (all that can be checked without the media)."""
    if req.anchor_type not in (avatars.SYSTEM, avatars.CUSTOM):
        raise BadInput("anchor_type", f"{req.anchor_type} is not 0 (system avatar) or 1 (your own avatar)")
    if req.resolution not in RESOLUTIONS:
        raise BadInput("resolution", f"{req.resolution} is not one of {', '.join(map(str, RESOLUTIONS))}")
    title = (req.title or "").strip() or "Avatar video"
    if len(title) > MAX_TITLE_CHARS:
        raise BadInput("title", f"is {len(title)} characters; at most {MAX_TITLE_CHARS} are accepted")
    audio_src, text = _blank(req.audio_src), _blank(req.msg)
    if (audio_src is None) == (text is None):
        raise BadInput("audioSrc", "give exactly one of audioSrc (the speech, e.g. from video/send_tts) or msg "
                                   "(a text for the avatar to say)")
    if audio_src is not None:
        check_url(audio_src, "audioSrc")
    elif len(text) > MAX_TEXT_CHARS:
        raise BadInput("msg", f"is {len(text)} characters; at most {MAX_TEXT_CHARS} are accepted")
    back_id, custom_back_id, color = _blank(req.back_id), _blank(req.custom_back_id), _blank(req.color)
    if back_id is not None and custom_back_id is not None:
        raise BothBackgrounds("custom_back_id", "give back_id (a system background) or custom_back_id (one of "
                                                "yours), not both")
    canvas = _canvas(req.canvas)
    with services.db.read() as session:
        anchor = avatars.usable_anchor(session, owner_id, req.anchor_id)
        if anchor.anchor_type != req.anchor_type:
            raise BadInput("anchor_type", f"avatar {req.anchor_id!r} is anchor_type {anchor.anchor_type}, "
                                          f"not {req.anchor_type}")
        background = None
        if back_id is not None:
            bg = backgrounds.system(back_id)
            background = ImageBackground(id=bg.id, key=bg.image_key)
        elif custom_back_id is not None:
            bg = backgrounds.owned(session, owner_id, custom_back_id)
            background = ImageBackground(id=bg.id, key=bg.image_key)
        elif color is not None:
            background = ColourBackground(rgba=parse_colour(color, "color"))
        queue = _pool(session, services, owner_id, req.public_pool)
        anchor_inputs = _anchor_inputs(session, anchor)
    voice = _voice(services, owner_id, text, _blank(req.custom_voice), anchor.gender) if text is not None else None
    inputs = video_generate.Inputs(
        anchor=anchor_inputs, anchor_type=anchor.anchor_type, audio_url=audio_src, text=text, voice=voice,
        resolution=req.resolution, background=background, canvas=canvas,
        captions=_captions(req.caption_align) if req.captions else None,
        max_audio_seconds=services.settings.max_video_audio_seconds)
    return Submission(inputs=inputs, name=title, queue=queue, webhook_url=req.webhook_url,
                      webhook_token=req.webhook_token)


def set_auto_public_pool(services: Services, owner_id: str, value: bool) -> bool:
    with services.db.write() as session:
        user = session.get(UserRow, owner_id)
        user.auto_public_pool = value
    return value
