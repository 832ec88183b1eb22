"""Avatar videos (video/generate): an anchor says an audio track or a text, optionally matted onto a
background and captioned. A video is a job of kind video.generate with a task record (avatar_videos)
whose `_id` is the job's id.

Everything that can be checked without the media is checked here, before anything is charged; what
needs the audio itself (not audio, silent, too long) fails the job, which refunds it."""

from __future__ import annotations

import math
import re
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
from videotwin.errors import BadInput, echo
from videotwin.ids import NUMBER_TEXT, is_id
from videotwin.media import colour
from videotwin.media.layout import layout, visible_share
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
# Canvas fields place the matted person on a background; with none, the avatar's own frame is the video.
CANVAS_WITHOUT_BACKGROUND = ("web_bg_*/web_people_*: ignored, there is no background (back_id, custom_back_id or "
                             "color) to place the person on; the video is the avatar's own frame at the resolution")
# The person box must keep at least this share of its area inside the canvas.
MIN_PERSON_INSIDE_SHARE = 0.5
# Canvas shape limits: at most this elongated, and the person's box at least this share of each side.
MAX_CANVAS_ASPECT = 4.0
MIN_PERSON_SHARE = 0.1
# The canvas may be at most this many times the output resolution in editor units (a sanity bound).
MAX_CANVAS_UNITS = 10_000
DEFAULT_CAPTION = {"font_size": 0.05, "color": "rgba(255,255,255,1)", "stroke_color": "rgba(0,0,0,1)",
                   "stroke_width": 0.08, "background_color": "rgba(0,0,0,0)", "subtitle_position": 0.85}
# captionAlign keys: A2E's (ASS style names) and our own, -> the style field each sets.
CAPTION_KEYS = {
    "PrimaryColour": "color", "OutlineColour": "stroke_color", "BackColour": "shadow_color",
    "TitleBoxColour": "title_background", "FontName": "font_family", "Fontsize": "font_px_at_1080",
    "BorderStyle": "border_style", "subtitle_position": "subtitle_position", "title": "title", "language": "language",
    "color": "color", "stroke_color": "stroke_color", "background_color": "background_color",
    "font_family": "font_family", "font_size": "font_size", "stroke_width": "stroke_width",
}
COLOUR_STYLES = ("color", "stroke_color", "background_color", "shadow_color", "title_background")
# Number ranges: a share of the frame's shorter side (font_size <= 1; above 1: pixels), Fontsize in
# pixels of a 1080-line frame (A2E's reference; scaled to the output), stroke as a share of the font.
NUMBER_STYLES = {"font_size": (0.01, 200.0), "font_px_at_1080": (4.0, 400.0), "stroke_width": (0.0, 0.5),
                 "subtitle_position": (0.0, 1.0)}
FONT_REFERENCE_LINES = 1080
# Numbers past this are no style value (and need not be formatted: a 400-digit integer is no float).
MAX_STYLE_NUMBER = 1e6
# A number written as text, as request bodies accept them ("24", "0.85").
DECIMAL = re.compile(NUMBER_TEXT)
DEFAULT_BOX_COLOUR = "rgba(0,0,0,1)"
# ASS BorderStyle: 1 outline (+ shadow in BackColour), 3 an opaque box (in OutlineColour).
BORDER_OUTLINE, BORDER_BOX = 1, 3
MAX_CAPTION_TEXT_CHARS = {"title": 200, "font_family": 64, "language": 16}
TRADITIONAL_CHINESE = frozenset({"zh-tw", "zh-hk", "zh-hant"})
# Languages Whisper knows (caption timing listens in this language).
CAPTION_LANGUAGES = frozenset(
    "af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha haw he hi hr ht hu hy "
    "id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne nl nn no oc pa pl ps pt ro ru sa "
    "sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk ur uz vi yi yo zh yue".split())


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
    if not any(fields.values()):  # nothing, or all zeros: A2E's way of saying "no layout"
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


def _number(value: Any) -> float | None:
    """A JSON number or a string of decimal digits (as in every request body), as a float; None if it
    is neither (booleans are not numbers) or is beyond any sensible style value."""
    if isinstance(value, str) and DECIMAL.fullmatch(value.strip()):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if abs(value) > MAX_STYLE_NUMBER or not math.isfinite(value):  # an int this big is no float
        return None
    return float(value)


def _caption_value(name: str, key: str, value: Any) -> Any:
    """One captionAlign value, checked for the style field it sets."""
    field = f"captionAlign.{key}"
    if name in COLOUR_STYLES:
        if not isinstance(value, str):
            raise BadInput(field, f"{value!r} is not a colour; expected a string such as rgba(255,255,255,1) or "
                                  "&H00FFFFFF")
        return "rgba({},{},{},{:g})".format(*parse_colour(value, field))
    if name in NUMBER_STYLES:
        low, high = NUMBER_STYLES[name]
        number = _number(value)
        if number is None:
            raise BadInput(field, f"{echo(value)} is not a number; expected {low:g}-{high:g}")
        if not low <= number <= high:
            raise BadInput(field, f"{echo(value)} is outside {low:g}-{high:g}")
        return number
    if name == "border_style":
        if _number(value) not in (BORDER_OUTLINE, BORDER_BOX):
            raise BadInput(field, f"{echo(value)} is not 1 (outline and shadow) or 3 (a box behind the text)")
        return int(_number(value))
    limit = MAX_CAPTION_TEXT_CHARS[name]
    if not isinstance(value, str) or len(value) > limit:
        raise BadInput(field, f"expected a string of at most {limit} characters")
    if name == "language":
        code = value.strip().replace("_", "-").lower()
        base = code.split("-")[0]
        if base and base not in CAPTION_LANGUAGES:
            raise BadInput(field, f"{value!r} is not a language code such as en, en-US, zh-CN or ja")
        # Chinese keeps its region: Traditional characters are drawn with their own glyphs.
        return (code if code in TRADITIONAL_CHINESE else base) or None
    return value


def check_person_on_canvas(canvas: Canvas, native: tuple[int, int], resolution: int) -> None:
    """The avatar keeps its shape inside its box, standing on the box's floor: at least half of it must
    then be on the canvas (a box half off the canvas can still put the whole avatar off it)."""
    frame = layout(native, resolution, (canvas.width, canvas.height), canvas.people)
    share = visible_share(frame)
    if share < MIN_PERSON_INSIDE_SHARE:
        x, y, pw, ph = canvas.people
        raise BadInput("web_people_y", f"the avatar, as large as fits its {pw:g}x{ph:g} box at {x:g},{y:g} and "
                                       f"standing on its floor, would be {share:.0%} on the {canvas.width:g}x"
                                       f"{canvas.height:g} canvas; at least half of it must be")


def _captions(align: dict[str, Any] | None) -> tuple[CaptionStyle, list[str]]:
    """captionAlign -> the caption style, and notes about keys that were ignored. A2E's keys and our own
    names both work; an unknown key is ignored (a client must not break when A2E adds one)."""
    given: dict[str, Any] = {}
    notes, unknown = [], []
    for key, value in (align or {}).items():
        name = CAPTION_KEYS.get(key)
        if name is None:
            unknown.append(key)
        elif value is not None and value != "":
            given[name] = _caption_value(name, key, value)
    if unknown:
        notes.append(f"captionAlign: ignored {', '.join(sorted(unknown))} (not a caption setting here; known: "
                     f"{', '.join(CAPTION_KEYS)})")
    style = {**DEFAULT_CAPTION, **{k: v for k, v in given.items() if k in CaptionStyle.model_fields}}
    if "font_px_at_1080" in given and "font_size" not in given:
        style["font_size"] = given["font_px_at_1080"] / FONT_REFERENCE_LINES
    if given.get("border_style") == BORDER_BOX:
        # ASS draws the opaque box in the outline colour, and no outline around the glyphs.
        if "background_color" not in given:
            style["background_color"] = given.get("stroke_color", DEFAULT_BOX_COLOUR)
        style["stroke_width"] = 0.0
    return CaptionStyle(**style), notes


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
    else:
        speech.check_speakable(text, "msg")
    back_id, custom_back_id, color = _blank(req.back_id), _blank(req.custom_back_id), _blank(req.color)
    if back_id is not None and custom_back_id is not None:
        raise BothBackgrounds("custom_back_id", "give back_id (a system background) or custom_back_id (one of "
                                                "yours), not both")
    notes: list[str] = []
    if back_id is None and custom_back_id is None and color is None:
        canvas = None  # nothing to place the person on: the fields are not used, so not checked either
        if any((req.canvas or {}).values()):
            notes.append(CANVAS_WITHOUT_BACKGROUND)
    else:
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
    if canvas is not None and canvas.people and anchor_inputs.width and anchor_inputs.height:
        check_person_on_canvas(canvas, (anchor_inputs.width, anchor_inputs.height), req.resolution)
    voice = _voice(services, owner_id, text, _blank(req.custom_voice), anchor.gender) if text is not None else None
    caption_style = None
    if req.captions:
        caption_style, caption_notes = _captions(req.caption_align)
        notes += caption_notes
    inputs = video_generate.Inputs(
        anchor=anchor_inputs, anchor_type=anchor.anchor_type, audio_url=audio_src, text=text, voice=voice,
        resolution=req.resolution, background=background, canvas=canvas, captions=caption_style,
        max_audio_seconds=services.settings.max_video_audio_seconds, notes=tuple(notes))
    return Submission(inputs=inputs, name=title, queue=queue, webhook_url=req.webhook_url,
                      webhook_token=req.webhook_token)


def set_auto_public_pool(services: Services, owner_id: str, value: bool) -> bool:
    with services.db.write() as session:
        user = session.get(UserRow, owner_id)
        user.auto_public_pool = value
    return value
