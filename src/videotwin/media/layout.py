"""Where the speaking person goes in the output frame, and putting them there.

`resolution` is the output's shorter side (720 means 720p, upright or not). Without a canvas the
output is the avatar's own frame at that size. With one (A2E's editor canvas, in the client's own
units), the canvas is scaled to the resolution and the person keeps their shape inside their box on
it: as large as fits, centred, feet on the box's floor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from videotwin.media import matting

# Outputs are at most this many pixels on the longer side.
MAX_OUTPUT_SIDE_PX = 3840


@dataclass(frozen=True)
class Layout:
    canvas: tuple[int, int]  # the output frame, pixels (width, height)
    person: tuple[int, int]  # the avatar's frame as rendered
    box: tuple[int, int]  # where its top-left corner sits on the canvas

    @classmethod
    def native(cls, size: tuple[int, int]) -> Layout:
        """The avatar's own frame, nothing around it."""
        return cls(size, size, (0, 0))


def even(v: float) -> int:
    """H.264 in 4:2:0 needs even sides."""
    return max(2, int(round(v / 2)) * 2)


def fit(w: float, h: float, short_side: float, max_side: int = MAX_OUTPUT_SIDE_PX) -> tuple[int, int]:
    s = short_side / min(w, h)
    if max(w, h) * s > max_side:
        s = max_side / max(w, h)
    return even(w * s), even(h * s)


def layout(native: tuple[int, int], resolution: int, canvas: tuple[float, float] | None = None,
           person_box: tuple[float, float, float, float] | None = None) -> Layout:
    """native: the avatar's frame size; canvas: (width, height) in editor units; person_box:
    (x, y, width, height) on the canvas (default: the whole canvas)."""
    if canvas is None:
        return Layout.native(fit(*native, resolution))
    cw, ch = fit(canvas[0], canvas[1], resolution)
    k = cw / canvas[0]
    x, y, bw, bh = person_box if person_box is not None else (0.0, 0.0, canvas[0], canvas[1])
    s = min(bw * k / native[0], bh * k / native[1])
    pw, ph = even(native[0] * s), even(native[1] * s)
    px = int(round(x * k + (bw * k - pw) / 2))
    py = int(round(y * k + bh * k - ph))
    return Layout((cw, ch), (pw, ph), (px, py))


def visible_share(frame: Layout) -> float:
    """The share of the person's area that lies on the canvas."""
    (cw, ch), (pw, ph), (x, y) = frame.canvas, frame.person, frame.box
    inside = max(0, min(x + pw, cw) - max(x, 0)) * max(0, min(y + ph, ch) - max(y, 0))
    return inside / (pw * ph)


def place(person: np.ndarray, alpha: np.ndarray, background: np.ndarray, box: tuple[int, int]) -> np.ndarray:
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
