"""Which pixels of which frames are burned-in text: text lines found on sampled frames, followed
through time, and turned into a per-frame mask of the glyphs with their outline and shadow.

1. **Lines into tracks.** The detector runs on a frame every SAMPLE_SECONDS. A line joins a track
   when it sits where the track's last line was (boxes overlapping by TRACK_IOU) and shows the same
   glyphs (see `same_text`); otherwise it starts a new track (a caption that changed its words is a
   new track at the same place). A track may miss one sample (the detector flickers).
2. **Which tracks are text to take out.** Captions live in a band: the rows where text lines stay
   put, are centred on the frame, and come and go (or stay) for at least MIN_CAPTION_SECONDS. The
   band is the union of the rows of such caption-like tracks, grown by BAND_MARGIN_SHARE of their
   height; every track inside it is removed (a second caption line, an emoji line, a narrow word),
   and so are overlays anywhere that stay fixed on the screen while the picture behind them
   changes (a station logo's text, a burned-in title). Text that is part of the scene (a sign
   behind the speaker, a shirt's print) moves with the scene or sits still with it: it is left.
3. **Glyphs, not boxes.** A track's glyphs are found on its template (the per-pixel median of its
   samples: the words stay, the scene behind moves): the template is split in two by Otsu's
   threshold, and the glyph fill is the side the box's rim does not show (a box holds the line with
   background around it). The mask is the fill grown by OUTLINE_SHARE of the line's height, which
   covers an outline, a drop shadow and the codec's ringing around sharp edges.
4. **Exactly when.** Between two samples that disagree, each frame is tested against the template
   (normalised correlation of the grown glyph area, PRESENT_CORRELATION), so the mask starts and
   ends on the frame the caption does.

Only frames and numbers: the detector's lines come from the caller (inference.text_detect)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

# Frames smaller than this on a side hold no caption we could read or restore.
MIN_FRAME_SIDE_PX = 32
# The detector looks at one frame in this many seconds.
SAMPLE_SECONDS = 0.25
# A line continues a track when its box overlaps the track's last box by this much (intersection
# over union), and its glyphs correlate with the track's last sample by SAME_TEXT_CORRELATION.
TRACK_IOU = 0.5
SAME_TEXT_CORRELATION = 0.5
# A track may be missed by the detector on this many samples in a row and still continue.
MAX_MISSED_SAMPLES = 1
# A caption-like track: its line is at most this share of the frame's height tall, its centre within
# this share of the frame's width from the middle, and it lasts at least this long.
CAPTION_MAX_HEIGHT_SHARE = 0.2
CAPTION_CENTRE_SHARE = 0.15
MIN_CAPTION_SECONDS = 0.5
# The band is grown by this share of its lines' height above and below (a second line of a caption
# found on its own later still falls inside).
BAND_MARGIN_SHARE = 0.5
# An overlay: a track lasting this long whose glyphs stay (template correlation of its samples above
# OVERLAY_STILL_CORRELATION) while the ring of picture around it changes by OVERLAY_SCENE_LEVELS.
OVERLAY_MIN_SECONDS = 1.0
OVERLAY_STILL_CORRELATION = 0.9
OVERLAY_SCENE_LEVELS = 6.0
OVERLAY_RING_PX = 12
# Strokes are found as what stands out of an opening (or closing) this share of the line's box
# height wide (a stroke is about a tenth of the font size; the box is about 1.5 font sizes tall), by
# at least MIN_STROKE_LEVELS grey levels.
STROKE_KERNEL_SHARE = 0.4
# Kernels wider than this (lines taller than 78 px) work at a smaller scale (odd).
MAX_STROKE_KERNEL_PX = 31
MIN_STROKE_LEVELS = 40
# The glyph fill is grown by this share of the line's height (at least OUTLINE_MIN_PX): the
# outline (typically 5-10 % of the font size), a shadow offset and the ringing of the codec.
OUTLINE_SHARE = 0.14
OUTLINE_MIN_PX = 3
# A frame shows a track's text when its grown glyph area correlates with the template this much.
PRESENT_CORRELATION = 0.45
# A template from at most this many samples (the median of more changes little).
MAX_TEMPLATE_SAMPLES = 9


@dataclass(frozen=True)
class Box:
    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    def iou(self, other: Box) -> float:
        iw = min(self.x1, other.x1) - max(self.x0, other.x0)
        ih = min(self.y1, other.y1) - max(self.y0, other.y0)
        if iw <= 0 or ih <= 0:
            return 0.0
        inter = iw * ih
        return inter / (self.width * self.height + other.width * other.height - inter)

    def union(self, other: Box) -> Box:
        return Box(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1))

    def grown(self, px: int, width: int, height: int) -> Box:
        return Box(max(0, self.x0 - px), max(0, self.y0 - px), min(width, self.x1 + px), min(height, self.y1 + px))

    def crop(self, frame: np.ndarray) -> np.ndarray:
        return frame[self.y0:self.y1, self.x0:self.x1]


def grey(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def correlation(a: np.ndarray, b: np.ndarray, where: np.ndarray | None = None) -> float:
    """Normalised cross-correlation of two grey crops (over `where` if given); 0 for flat crops."""
    a, b = a.astype(np.float32), b.astype(np.float32)
    if where is not None:
        a, b = a[where], b[where]
    a, b = a - a.mean(), b - b.mean()
    norm = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / norm if norm > 1e-3 else 0.0


@dataclass
class Track:
    """One piece of text at one place, as the samples saw it: sample indices and grey crops of the
    box (the union of its lines' boxes, grown a little)."""

    box: Box
    samples: list[int] = field(default_factory=list)
    crops: list[np.ndarray] = field(default_factory=list)  # grey, at `box` as it was when taken
    boxes: list[Box] = field(default_factory=list)
    ring_changes: list[float] = field(default_factory=list)  # mean change of the ring around it
    template: np.ndarray | None = None  # grey median of the crops
    fill: np.ndarray | None = None  # bool, the glyph fill inside box
    mask: np.ndarray | None = None  # bool, the fill grown over outline and shadow
    removed: bool = False

    def seconds(self, sample_seconds: float) -> float:
        return (self.samples[-1] - self.samples[0] + 1) * sample_seconds


def same_text(a: np.ndarray, b: np.ndarray) -> bool:
    """Two grey crops of one box show the same glyphs."""
    return correlation(a, b) >= SAME_TEXT_CORRELATION


class Tracker:
    """Text lines of sampled frames in, tracks out (step 1 of the module docstring)."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.tracks: list[Track] = []
        self._open: list[Track] = []
        self._previous: np.ndarray | None = None
        self.samples = 0

    def add(self, sample: int, rgb: np.ndarray, lines: Sequence[Box]) -> None:
        g = grey(rgb)
        taken: set[int] = set()
        for line in lines:
            box = line.grown(max(2, line.height // 8), self.width, self.height)
            crop = box.crop(g)
            best = None
            for i, track in enumerate(self._open):
                if i in taken or sample - track.samples[-1] > MAX_MISSED_SAMPLES + 1:
                    continue
                if track.boxes[-1].iou(box) >= TRACK_IOU:
                    if same_text(track.boxes[-1].crop(g), track.crops[-1]):
                        best = i
                        break
            ring = self._ring_change(g, box)
            if best is None:
                self._open.append(Track(box, [sample], [crop], [box], [ring]))
                self.tracks.append(self._open[-1])
                taken.add(len(self._open) - 1)
            else:
                track = self._open[best]
                track.samples.append(sample)
                track.crops.append(crop)
                track.boxes.append(box)
                track.ring_changes.append(ring)
                track.box = track.box.union(box)
                taken.add(best)
        self._open = [t for t in self._open if sample - t.samples[-1] <= MAX_MISSED_SAMPLES]
        self._previous = g
        self.samples = sample + 1

    def _ring_change(self, g: np.ndarray, box: Box) -> float:
        """How much the picture around the box changed since the previous sample (levels)."""
        if self._previous is None:
            return 0.0
        outer = box.grown(OVERLAY_RING_PX, self.width, self.height)
        a = outer.crop(g).astype(np.int16)
        b = outer.crop(self._previous).astype(np.int16)
        ring = np.ones(a.shape, bool)
        ring[box.y0 - outer.y0:box.y1 - outer.y0, box.x0 - outer.x0:box.x1 - outer.x0] = False
        return float(np.abs(a - b)[ring].mean()) if ring.any() else 0.0


def finish(tracks: list[Track], width: int, height: int, sample_seconds: float) -> tuple[int, int] | None:
    """Templates and glyph masks of every track, the caption band (rows y0, y1; None when no caption
    was found), and which tracks are removed (step 2). Returns the band."""
    for track in tracks:
        _template(track)
    band = caption_band(tracks, width, height, sample_seconds)
    for track in tracks:
        centre = (track.box.y0 + track.box.y1) / 2
        in_band = band is not None and band[0] <= centre <= band[1]
        track.removed = in_band or is_overlay(track, sample_seconds)
    return band


def _template(track: Track) -> None:
    box = track.box
    stack = []
    step = max(1, len(track.crops) // MAX_TEMPLATE_SAMPLES)
    for crop, b in list(zip(track.crops, track.boxes, strict=True))[::step]:
        canvas = np.full((box.height, box.width), np.nan, np.float32)
        canvas[b.y0 - box.y0:b.y1 - box.y0, b.x0 - box.x0:b.x1 - box.x0] = crop
        stack.append(canvas)
    with warnings.catch_warnings():  # pixels only some samples cover are NaN in the others: expected
        warnings.simplefilter("ignore", RuntimeWarning)
        template = np.nanmedian(np.stack(stack), axis=0) if len(stack) > 1 else stack[0]
    template = np.nan_to_num(template, nan=float(np.nanmean(template)))
    track.template = template.astype(np.uint8)
    line_height = min(b.height for b in track.boxes)
    track.fill = glyph_fill(track.template, line_height)
    grow = max(OUTLINE_MIN_PX, int(round(OUTLINE_SHARE * line_height)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
    track.mask = cv2.dilate(track.fill.astype(np.uint8), kernel).astype(bool)


def glyph_fill(template: np.ndarray, line_height: int) -> np.ndarray:
    """The glyph pixels of a text box's grey template (step 3): strokes are thin, so they stand out
    of a morphological opening (light strokes, the top-hat) or closing (dark strokes and outlines,
    the black-hat) wider than a stroke; the scene's larger shapes do not."""
    size = max(3, int(line_height * STROKE_KERNEL_SHARE) | 1)
    full = (template.shape[1], template.shape[0])
    if size > MAX_STROKE_KERNEL_PX:
        # Large text at a smaller scale: an ellipse's cost grows with its area (a 281 px one takes
        # seconds on a 700 px template); the fill is grown by the outline afterwards anyway.
        scale = MAX_STROKE_KERNEL_PX / size
        template = cv2.resize(template, (max(1, round(full[0] * scale)), max(1, round(full[1] * scale))),
                              interpolation=cv2.INTER_AREA)
        size = MAX_STROKE_KERNEL_PX
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    fill = np.zeros(template.shape, bool)
    for op in (cv2.MORPH_TOPHAT, cv2.MORPH_BLACKHAT):
        response = cv2.morphologyEx(template, op, kernel)
        threshold, _ = cv2.threshold(response, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        fill |= response > max(threshold, MIN_STROKE_LEVELS)
    if (fill.shape[1], fill.shape[0]) != full:
        fill = cv2.resize(fill.astype(np.uint8), full, interpolation=cv2.INTER_NEAREST).astype(bool)
    return fill


def caption_band(tracks: Sequence[Track], width: int, height: int, sample_seconds: float) -> tuple[int, int] | None:
    rows = [t.box for t in tracks
            if t.box.height <= CAPTION_MAX_HEIGHT_SHARE * height
            and abs((t.box.x0 + t.box.x1) / 2 - width / 2) <= CAPTION_CENTRE_SHARE * width
            and t.seconds(sample_seconds) >= MIN_CAPTION_SECONDS]
    if not rows:
        return None
    margin = int(BAND_MARGIN_SHARE * max(b.height for b in rows))
    return max(0, min(b.y0 for b in rows) - margin), min(height, max(b.y1 for b in rows) + margin)


def is_overlay(track: Track, sample_seconds: float) -> bool:
    """Text fixed on the screen while the picture around it changes (step 2)."""
    if track.seconds(sample_seconds) < OVERLAY_MIN_SECONDS or len(track.crops) < 3:
        return False
    still = np.median([correlation(c, track.crops[0]) for c in track.crops[1:]
                       if c.shape == track.crops[0].shape] or [0.0])
    return still >= OVERLAY_STILL_CORRELATION and float(np.mean(track.ring_changes[1:])) >= OVERLAY_SCENE_LEVELS


def present(track: Track, g: np.ndarray) -> bool:
    """Whether a grey frame shows the track's text (step 4)."""
    return correlation(track.box.crop(g), track.template, track.mask) >= PRESENT_CORRELATION


class Masks:
    """The mask of each frame: removed tracks, placed on the frames they are seen in."""

    def __init__(self, tracks: Sequence[Track], sample_frames: int, width: int, height: int) -> None:
        self.tracks = [t for t in tracks if t.removed]
        self.sample_frames = sample_frames
        self.size = (width, height)
        self._seen = [set(t.samples) for t in self.tracks]
        # The tracks that may show between a sample and the next, by the sample (a long video has
        # thousands of tracks; a frame looks only at its own few).
        self._near: dict[int, list[int]] = {}
        for k, t in enumerate(self.tracks):
            for sample in range(t.samples[0] - 1, t.samples[-1] + 1):
                self._near.setdefault(sample, []).append(k)
        self.roi = None
        for t in self.tracks:
            self.roi = t.box if self.roi is None else self.roi.union(t.box)

    def candidates(self, frame: int) -> list[tuple[Track, bool]]:
        """The tracks that may show on `frame`, each with whether it certainly does (seen on the
        samples on both sides) or must be tested."""
        before, offset = divmod(frame, self.sample_frames)
        after = before + 1 if offset else before
        out = []
        for k in self._near.get(before, ()):
            track, seen = self.tracks[k], self._seen[k]
            a, b = before in seen or _bridged(seen, before), after in seen or _bridged(seen, after)
            if a and b:
                out.append((track, True))
            elif a or b:
                out.append((track, False))
        return out

    def mask(self, frame: int, rgb: np.ndarray) -> np.ndarray | None:
        """The frame's mask (bool, full frame), or None when it shows no text to take out."""
        found = self.candidates(frame)
        if not found:
            return None
        g = None
        out = np.zeros((self.size[1], self.size[0]), bool)
        any_text = False
        for track, certain in found:
            if not certain:
                g = grey(rgb) if g is None else g
                if not present(track, g):
                    continue
            b = track.box
            out[b.y0:b.y1, b.x0:b.x1] |= track.mask
            any_text = True
        return out if any_text else None


def _bridged(seen: set[int], sample: int) -> bool:
    """A sample the detector missed between two it saw (a flicker), within MAX_MISSED_SAMPLES."""
    return any(sample - k in seen for k in range(1, MAX_MISSED_SAMPLES + 1)) and \
        any(sample + k in seen for k in range(1, MAX_MISSED_SAMPLES + 1))
