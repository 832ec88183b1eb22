"""Burned-in captions: timed words -> caption cues (one or two lines that fit the frame) -> pixels.

Word times come from Whisper's word timestamps on the final audio; when the video was made from a
text, that text is what is shown (spelling, punctuation, names), timed by aligning it to Whisper's
words. Text is drawn with FreeType in Noto Sans CJK (Debian fonts-noto-cjk, OFL), which covers Latin,
Cyrillic, Greek, Chinese, Japanese and Korean; languages written without spaces are wrapped between
characters."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from videotwin.inference.whisper import Word  # (start, end, text): a timed word, heard or aligned

FONT_PATH = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
# Faces inside the .ttc: the same glyphs for Latin and Cyrillic, regional forms for Han characters.
FONT_INDEX = {"ja": 0, "ko": 1, "zh": 2, "zh-tw": 3}
NO_SPACE_LANGUAGES = ("zh", "ja", "th")
# A cue: at most this many lines, shown at most this long, split at pauses longer than this.
MAX_LINES = 2
MAX_CUE_SECONDS = 6.0
PAUSE_SPLIT_SECONDS = 0.7
# Lines use at most this share of the frame width.
LINE_WIDTH_SHARE = 0.88
# A cue stays up this long after its last word unless the next one starts sooner.
HOLD_SECONDS = 0.4
LINE_SPACING = 1.2
# A title (captionAlign.title) sits this far down the frame (vertical centre), in at most this many lines.
TITLE_POSITION = 0.08
MAX_TITLE_LINES = 2
# A drop shadow is offset by this share of the font size (at least one pixel).
SHADOW_OFFSET_SHARE = 0.06
SENTENCE_END = re.compile(r"[.!?。！？…]$")


@dataclass(frozen=True)
class Cue:
    lines: tuple[str, ...]
    start: float
    end: float


@dataclass(frozen=True)
class Style:
    font_px: int
    color: tuple[int, int, int, int]
    stroke_color: tuple[int, int, int, int]
    stroke_px: int
    background: tuple[int, int, int, int]
    position: float  # vertical centre of the cue, 0 top .. 1 bottom
    language: str
    shadow: tuple[int, int, int, int] = (0, 0, 0, 0)  # drawn under the glyphs, offset down-right


def _no_spaces(language: str) -> bool:
    return language.split("-")[0].lower() in NO_SPACE_LANGUAGES


def _is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def tokens(text: str) -> list[str]:
    """Words; each CJK character is a token of its own (those scripts do not separate words)."""
    out: list[str] = []
    for chunk in text.split():
        current = ""
        for ch in chunk:
            if current == "" and out and _is_cjk(out[-1][-1]) and unicodedata.category(ch).startswith("P"):
                out[-1] += ch  # punctuation stays with the character before it
            elif _is_cjk(ch):
                if current:
                    out.append(current)
                    current = ""
                out.append(ch)
            else:
                current += ch
        if current:
            out.append(current)
    return out


def _norm(token: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", token).lower() if ch.isalnum())


def align_text(text: str, heard: list[Word]) -> list[Word]:
    """The known text's tokens, timed by matching them to the recognised words; tokens Whisper missed
    share the time between their matched neighbours."""
    known = tokens(text)
    pieces: list[Word] = []
    for w in heard:  # recognised words split the same way, time shared evenly
        parts = tokens(w.text) or [w.text.strip()]
        step = (w.end - w.start) / len(parts)
        pieces += [Word(w.start + i * step, w.start + (i + 1) * step, p) for i, p in enumerate(parts)]
    if not known:
        return []
    if not pieces:
        return []
    times: list[tuple[float, float] | None] = [None] * len(known)
    matcher = difflib.SequenceMatcher(a=[_norm(t) for t in known], b=[_norm(p.text) for p in pieces],
                                      autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            p = pieces[block.b + k]
            times[block.a + k] = (p.start, p.end)
    # Fill the gaps: evenly between the neighbours that were matched (or the speech's ends).
    start_all, end_all = pieces[0].start, pieces[-1].end
    i = 0
    while i < len(known):
        if times[i] is not None:
            i += 1
            continue
        j = i
        while j < len(known) and times[j] is None:
            j += 1
        left = times[i - 1][1] if i > 0 else start_all
        right = times[j][0] if j < len(known) else end_all
        right = max(right, left)
        step = (right - left) / (j - i)
        for k in range(i, j):
            times[k] = (left + (k - i) * step, left + (k - i + 1) * step)
        i = j
    return [Word(*times[n], t) for n, t in enumerate(known)]


def heard_words(heard: list[Word]) -> list[Word]:
    """Whisper's words as caption tokens (leading spaces gone; CJK split per character)."""
    return align_text(" ".join(w.text.strip() for w in heard), heard) if heard else []


@cache
def font(language: str, px: int) -> ImageFont.FreeTypeFont:
    if not FONT_PATH.exists():
        raise RuntimeError(f"the caption font {FONT_PATH} is missing (Debian package fonts-noto-cjk)")
    index = FONT_INDEX.get(language.lower(), FONT_INDEX.get(language.split("-")[0].lower(), 0))
    return ImageFont.truetype(str(FONT_PATH), px, index=index)


def _join(words: list[str], language: str) -> str:
    if _no_spaces(language):
        return "".join(words)
    out = ""
    for w in words:
        out = w if not out else (out + w if all(_is_cjk(c) for c in w[:1]) and _is_cjk(out[-1]) else f"{out} {w}")
    return out


def cues(words: list[Word], style: Style, frame_width: int) -> list[Cue]:
    """Group timed words into cues of at most MAX_LINES lines that fit the frame."""
    f = font(style.language, style.font_px)
    max_px = LINE_WIDTH_SHARE * frame_width - 2 * style.stroke_px
    result: list[Cue] = []
    lines: list[list[Word]] = [[]]

    def flush() -> None:
        ws = [w for line in lines for w in line]
        if ws:
            result.append(Cue(tuple(_join([w.text for w in line], style.language) for line in lines if line),
                              ws[0].start, ws[-1].end))
        lines.clear()
        lines.append([])

    for w in words:
        current = [x for line in lines for x in line]
        if current and (w.start - current[-1].end > PAUSE_SPLIT_SECONDS or w.end - current[0].start > MAX_CUE_SECONDS):
            flush()
        candidate = _join([x.text for x in lines[-1]] + [w.text], style.language)
        if lines[-1] and f.getlength(candidate) > max_px:
            if len(lines) >= MAX_LINES:
                flush()
            else:
                lines.append([])
        lines[-1].append(w)
        if SENTENCE_END.search(w.text) and sum(len(line) for line in lines) >= 3:
            flush()
    flush()
    # Hold each cue a little after its last word, never into the next one.
    held = []
    for i, c in enumerate(result):
        nxt = result[i + 1].start if i + 1 < len(result) else c.end + HOLD_SECONDS
        held.append(Cue(c.lines, c.start, max(c.end, min(c.end + HOLD_SECONDS, nxt))))
    return held


def title_cue(text: str, style: Style, frame_width: int) -> Cue:
    """A title: the text wrapped to fit the frame (at most MAX_TITLE_LINES lines), shown throughout."""
    f = font(style.language, style.font_px)
    max_px = LINE_WIDTH_SHARE * frame_width - 2 * style.stroke_px
    lines: list[list[str]] = [[]]
    for token in tokens(text):
        if lines[-1] and f.getlength(_join(lines[-1] + [token], style.language)) > max_px:
            lines.append([])
        lines[-1].append(token)
    return Cue(tuple(_join(line, style.language) for line in lines[:MAX_TITLE_LINES]), 0.0, float("inf"))


class Burner:
    """Draws the cue showing at each moment onto frames (each cue is drawn once, then reused)."""

    def __init__(self, cue_list: list[Cue], style: Style, size: tuple[int, int]) -> None:
        self.cues, self.style, self.size = cue_list, style, size
        self._index = 0
        self._drawn: tuple[int, np.ndarray, np.ndarray, int, int] | None = None

    def _draw(self, cue: Cue) -> tuple[np.ndarray, np.ndarray, int, int]:
        s = self.style
        f = font(s.language, s.font_px)
        line_h = int(s.font_px * LINE_SPACING)
        widths = [int(f.getlength(line)) for line in cue.lines]
        pad = max(s.stroke_px, s.font_px // 4)
        w = min(self.size[0], max(widths) + 2 * pad)
        h = line_h * len(cue.lines) + 2 * pad
        img = Image.new("RGBA", (w, h), s.background)
        draw = ImageDraw.Draw(img)
        if s.shadow[3] > 0:
            d = max(1, round(s.font_px * SHADOW_OFFSET_SHARE))
            for i, line in enumerate(cue.lines):
                draw.text(((w - widths[i]) / 2 + d, pad + i * line_h + d), line, font=f, fill=s.shadow,
                          stroke_width=s.stroke_px, stroke_fill=s.shadow)
        for i, line in enumerate(cue.lines):
            draw.text(((w - widths[i]) / 2, pad + i * line_h), line, font=f, fill=s.color,
                      stroke_width=s.stroke_px, stroke_fill=s.stroke_color)
        rgba = np.asarray(img).astype(np.float32)
        x = (self.size[0] - w) // 2
        y = int(np.clip(s.position * self.size[1] - h / 2, 0, max(0, self.size[1] - h)))
        return rgba[..., :3], rgba[..., 3:] / 255.0, x, y

    def apply(self, frame: np.ndarray, t: float) -> np.ndarray:
        while self._index < len(self.cues) and self.cues[self._index].end <= t:
            self._index += 1
        if self._index >= len(self.cues) or self.cues[self._index].start > t:
            return frame
        if self._drawn is None or self._drawn[0] != self._index:
            self._drawn = (self._index, *self._draw(self.cues[self._index]))
        _, rgb, alpha, x, y = self._drawn
        h, w = alpha.shape[:2]
        h, w = min(h, frame.shape[0] - y), min(w, frame.shape[1] - x)
        out = frame.copy()
        roi = out[y:y + h, x:x + w].astype(np.float32)
        a = alpha[:h, :w]
        out[y:y + h, x:x + w] = np.clip(rgb[:h, :w] * a + roi * (1 - a) + 0.5, 0, 255).astype(np.uint8)
        return out
