"""Masked pixels of a video filled with the background other frames show there.

The fill works on the region of interest (the box around every mask, `roi`) and streams: frames
go through in blocks, with a look-ahead window, so memory stays bounded for any length.

1. **Motion.** Between neighbouring frames, DIS optical flow on the grey region (scaled so its
   longer side is at most FLOW_MAX_SIDE_PX). Inside the masks (grown by FLOW_MARGIN_PX) the flow
   is not the scene's (static text pulls it to zero), so it is replaced by the flow around them,
   spread inwards by normalised convolution (the scene moves smoothly behind a caption).
2. **Propagation, both ways.** A forward pass carries the restored region from frame to frame along
   the motion: a masked pixel takes the value its scene point had one frame earlier, which was
   either seen there or carried from further back; its age counts the frames since it was seen. A
   backward pass does the same from the future. Ages beyond `window` frames are not trusted.
3. **Blending.** Where both passes know a pixel, they are averaged by inverse age (a caption that
   appears between two views of the background fades from one to the other: no jump, no shimmer).
   The brightness of a carried value is corrected by the difference seen on a thin ring just
   outside the mask (spread inwards as above), so exposure changes do not leave a visible band.
4. **Trust and painting.** A carried value is trusted by exp(-age / TRUST_FRAMES); the rest of each
   masked pixel is painted from the frame's own surroundings (Telea's method), so a background seen
   long ago or never fades into the painted one instead of jumping.

Each frame's work is done in its mask's bounding box (grown by BOX_MARGIN_PX), not the whole region.
Pixels outside the masks are never changed."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from videotwin.media.text_mask import Box

FLOW_MAX_SIDE_PX = 480
FLOW_MARGIN_PX = 6
# The spread of the flow and of the brightness correction into a mask: a Gaussian this wide (pixels
# at the flow's scale), at most SPREAD_LEVELS times halved for large holes.
SPREAD_SIGMA_PX = 4.0
SPREAD_LEVELS = 5
RING_PX = 3
# Brightness corrections are smooth: spread at a quarter of the size.
OFFSET_SHRINK = 4
NEVER = 1e9  # the age of a pixel nothing has shown
# Frames held at once (the frames of a block and its look-ahead, with their flows and the block's
# backward pass) share this many bytes.
BUFFER_BYTES = 512 * 1024 * 1024
# The backward pass looks this many frames past a block: a background seen later than that has a
# trust below exp(-LOOK_AHEAD_FRAMES / TRUST_FRAMES) < 1 % (see TRUST_FRAMES), so looking further
# only repeats work (each block's backward pass runs over its look-ahead again).
LOOK_AHEAD_FRAMES, MIN_LOOK_AHEAD_FRAMES = 48, 8
MIN_BLOCK_FRAMES = 4
# Bytes a held frame's flows (two directions, two channels, float32) and a block frame's backward
# state (three channels and an age, float32) take per pixel of the region, at most.
FLOW_BYTES_PER_PX = 16
STATE_BYTES_PER_PX = 16
# The flow is smooth behind a caption: it is spread into the masks at half the flow's size.
FLOW_SHRINK = 2
# How long a carried background is trusted: its weight is exp(-age / TRUST_FRAMES), the rest is
# painted from the frame's own pixels around the mask (Telea's method, this radius). Chosen, not
# tuned: a third of a second at 30 frames a second.
TRUST_FRAMES = 10.0
PAINT_RADIUS_PX = 3
# A frame's work is done in its mask's bounding box grown by this much: room for the ring, the
# painting radius and the spread of the brightness correction (OFFSET_SHRINK * SPREAD_SIGMA_PX).
BOX_MARGIN_PX = 16


@dataclass
class _Frame:
    index: int
    rgb: np.ndarray  # the whole frame
    mask: np.ndarray | None  # bool, the region's size; None: nothing to take out
    grey: np.ndarray | None = None  # the region in grey at the flow's scale, made when needed
    _box: tuple[slice, slice] | None = None

    def region(self, roi: Box) -> np.ndarray:
        return self.rgb[roi.y0:roi.y1, roi.x0:roi.x1]

    @property
    def box(self) -> tuple[slice, slice]:
        """The part of the region the work on this frame's mask needs: the mask's bounding box,
        grown by BOX_MARGIN_PX (a caption is a small part of the region, which is the box around
        every mask of the video)."""
        if self._box is None:
            x, y, w, h = cv2.boundingRect(self.mask.astype(np.uint8))
            rows, cols = self.mask.shape
            self._box = (slice(max(0, y - BOX_MARGIN_PX), min(rows, y + h + BOX_MARGIN_PX)),
                         slice(max(0, x - BOX_MARGIN_PX), min(cols, x + w + BOX_MARGIN_PX)))
        return self._box


def window_frames(frame_bytes: int, region_px: int) -> tuple[int, int]:
    """The block and look-ahead lengths (frames) that fit BUFFER_BYTES, for whole frames of
    `frame_bytes` and a region of `region_px` pixels."""
    held = frame_bytes + FLOW_BYTES_PER_PX * region_px
    window = int(np.clip(BUFFER_BYTES // 3 // held, MIN_LOOK_AHEAD_FRAMES, LOOK_AHEAD_FRAMES))
    block = (BUFFER_BYTES - window * held) // (held + STATE_BYTES_PER_PX * region_px)
    return max(MIN_BLOCK_FRAMES, int(block)), window


class Filler:
    """Fills `masks` (one per frame, region-sized bool, or None) in `frames` (RGB, whole)."""

    def __init__(self, roi: Box, frame_size: tuple[int, int]) -> None:
        self.roi = roi
        w, h = roi.width, roi.height
        self.scale = min(1.0, FLOW_MAX_SIDE_PX / max(w, h))
        self.flow_size = (max(8, int(round(w * self.scale))), max(8, int(round(h * self.scale))))
        self.block, self.window = window_frames(frame_size[0] * frame_size[1] * 3, w * h)
        self._dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        self._grid = (gx, gy)
        self._flows: dict[tuple[int, int], np.ndarray] = {}
        self.painted = 0.0  # masked pixels painted from the frame itself (weighted by 1 - trust)
        self.filled = 0  # masked pixels filled

    def run(self, items: Iterable[tuple[np.ndarray, np.ndarray | None]]) -> Iterator[np.ndarray]:
        source = iter(items)
        buffer: deque[_Frame] = deque()
        ended = False
        next_index = 0
        state: tuple[np.ndarray, np.ndarray] | None = None  # forward pass: region (float32) and ages
        previous: _Frame | None = None
        while True:
            while not ended and len(buffer) < self.block + self.window:
                try:
                    rgb, mask = next(source)
                except StopIteration:
                    ended = True
                    break
                buffer.append(_Frame(next_index, rgb, mask))
                next_index += 1
                if len(buffer) > 1:
                    self._flows_between(buffer[-2], buffer[-1])
            if not buffer:
                return
            block = [buffer[i] for i in range(min(self.block, len(buffer)))]
            ahead = list(buffer)
            if any(f.mask is not None for f in block):
                backward = self._backward(ahead, len(block))
            else:
                backward = None
            for k, f in enumerate(block):
                state = self._forward(f, previous, state, backward[k] if backward else None)
                previous = f
                yield f.rgb
            for _ in block:
                done = buffer.popleft()
                self._flows.pop((done.index, 1), None)
                self._flows.pop((done.index, -1), None)

    # ---- the passes -----------------------------------------------------------------------------

    def _backward(self, frames: list[_Frame], count: int) -> list[tuple[np.ndarray, np.ndarray] | None]:
        """The backward pass over `frames` (a block and its look-ahead), kept for the block's first
        `count` frames: (values, ages) in the frame's box, None where the frame has no mask."""
        out: list[tuple[np.ndarray, np.ndarray] | None] = [None] * count
        state = None
        for k in range(len(frames) - 1, -1, -1):
            f = frames[k]
            later = frames[k + 1] if k + 1 < len(frames) else None
            state, boxed = self._step(f, state, later, 1)
            if k < count:
                out[k] = boxed
        return out

    def _forward(self, f: _Frame, previous: _Frame | None, state, backward):
        state, boxed = self._step(f, state, previous, -1)
        if boxed is None:
            return state
        box = f.box
        region, mask = f.region(self.roi)[box], f.mask[box]
        value, age = boxed
        if backward is not None:
            value, age = _blend((value, age), backward, mask)
            state[0][box], state[1][box] = value, age
        # The carried background is trusted less the longer ago it was seen (the scene behind a caption
        # changes: a talking person's clothes fold, the light moves); the rest is painted from the
        # frame itself around the mask.
        trust = np.where(age < self.window, np.exp(-age / TRUST_FRAMES), 0.0).astype(np.float32)
        out = np.clip(value + 0.5, 0, 255).astype(np.uint8)
        if float(trust[mask].min()) < 1.0:
            painted = cv2.inpaint(np.ascontiguousarray(region), mask.astype(np.uint8), PAINT_RADIUS_PX,
                                  cv2.INPAINT_TELEA).astype(np.float32)
            blended = value * trust[..., None] + painted * (1.0 - trust[..., None])
            out = np.clip(blended + 0.5, 0, 255).astype(np.uint8)
            self.painted += float((1.0 - trust)[mask].sum())
        self.filled += int(mask.sum())
        # Written into the frame (the region is a view): only masked pixels change.
        region[mask] = out[mask]
        return state

    # ---- one step -----------------------------------------------------------------------------

    def _step(self, f: _Frame, state, other: _Frame | None, direction: int):
        """One pass's state at frame f, from its `state` at the neighbour `other` (None: f is the
        first the pass sees): the region's values and ages (the frame's own pixels, age 0, outside
        the mask), and the same in f's box (None where f has no mask)."""
        value = f.region(self.roi).astype(np.float32)
        age = np.zeros(value.shape[:2], np.float32)
        if f.mask is None:
            return (value, age), None
        box = f.box
        if state is None or other is None:
            shape = value[box].shape
            carried = (np.zeros(shape, np.float32), np.full(shape[:2], NEVER, np.float32))
        else:
            carried = self._carry(state, f, other, direction)
        boxed = self._merge(value[box], f.mask[box], carried)
        value[box], age[box] = boxed
        return (value, age), boxed

    def _carry(self, state, f: _Frame, other: _Frame, direction: int):
        """`state` (region values and ages at frame `other`) moved to frame f along the motion, in
        f's box."""
        box = f.box
        flow = self._flow(f, other, direction)
        up = cv2.resize(flow, (self.roi.width, self.roi.height), interpolation=cv2.INTER_LINEAR)[box] / self.scale
        mx, my = self._grid[0][box] + up[..., 0], self._grid[1][box] + up[..., 1]
        value = cv2.remap(state[0], mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        age = cv2.remap(state[1], mx, my, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=NEVER)
        return value, age + 1.0

    def _merge(self, region: np.ndarray, mask: np.ndarray, carried):
        """The frame's own pixels outside the mask; inside, the carried values, their brightness
        matched to the frame on the ring around the mask."""
        value, age = carried
        ring = cv2.dilate(mask.astype(np.uint8), np.ones((2 * RING_PX + 1,) * 2, np.uint8)).astype(bool) & ~mask
        known = ring & (age < self.window)
        if known.any():
            offset = np.where(known[..., None], region - value, 0.0).astype(np.float32)
            value = value + spread(offset, known, OFFSET_SHRINK)
        value = np.where(mask[..., None], value, region)
        age = np.where(mask, age, 0.0).astype(np.float32)
        return value.astype(np.float32), age

    def _flows_between(self, a: _Frame, b: _Frame) -> None:
        """The flows the passes will need between neighbours a and b, made as b arrives (while
        the frames after it are still being decoded, rather than all at once when a block starts)."""
        if b.mask is not None:
            self._flow(b, a, -1)
        if a.mask is not None:
            self._flow(a, b, 1)

    def _flow(self, f: _Frame, other: _Frame, direction: int) -> np.ndarray:
        key = (f.index, direction)
        if key not in self._flows:
            a, b = self._grey(f), self._grey(other)
            flow = self._dis.calc(a, b, None)
            masks = [m for m in (f.mask, other.mask) if m is not None]
            if masks:
                hidden = np.logical_or.reduce(masks).astype(np.uint8)
                hidden = cv2.resize(hidden, self.flow_size, interpolation=cv2.INTER_NEAREST)
                grow = max(1, int(round(FLOW_MARGIN_PX * self.scale)))
                hidden = cv2.dilate(hidden, np.ones((2 * grow + 1,) * 2, np.uint8)).astype(bool)
                flow = np.where(hidden[..., None], spread(flow, ~hidden, FLOW_SHRINK), flow).astype(np.float32)
            self._flows[key] = flow
        return self._flows[key]

    def _grey(self, f: _Frame) -> np.ndarray:
        if f.grey is None:
            g = cv2.cvtColor(np.ascontiguousarray(f.region(self.roi)), cv2.COLOR_RGB2GRAY)
            f.grey = cv2.resize(g, self.flow_size, interpolation=cv2.INTER_AREA) if self.scale < 1 else g
        return f.grey


def _blend(forward, backward, mask: np.ndarray):
    """Both passes' values averaged by inverse age where both know them, else the one that does."""
    (fv, fa), (bv, ba) = forward, backward
    wf = np.where(fa < NEVER / 2, 1.0 / (fa + 1.0), 0.0).astype(np.float32)
    wb = np.where(ba < NEVER / 2, 1.0 / (ba + 1.0), 0.0).astype(np.float32)
    total = wf + wb
    mixed = (fv * wf[..., None] + bv * wb[..., None]) / np.maximum(total, 1e-9)[..., None]
    value = np.where((total > 0)[..., None], mixed, fv)
    age = np.minimum(fa, ba)
    return value.astype(np.float32), age.astype(np.float32)


def spread(values: np.ndarray, known: np.ndarray, shrink: int = 1) -> np.ndarray:
    """Values known at some pixels spread smoothly over all of them (normalised convolution, coarse
    to fine, so large holes fill too): at known pixels about their own value. `shrink`: work at
    1/shrink of the size (for fields that are smooth anyway), the result at full size."""
    weight = known.astype(np.float32)
    v = values.astype(np.float32) * (weight[..., None] if values.ndim == 3 else weight)
    full = (values.shape[1], values.shape[0])
    if shrink > 1:
        small = (max(1, full[0] // shrink), max(1, full[1] // shrink))
        v = cv2.resize(v, small, interpolation=cv2.INTER_AREA)
        weight = cv2.resize(weight, small, interpolation=cv2.INTER_AREA)
    num, den = v, weight
    levels = []
    for _ in range(SPREAD_LEVELS):
        num_b = cv2.GaussianBlur(num, (0, 0), SPREAD_SIGMA_PX)
        den_b = cv2.GaussianBlur(den, (0, 0), SPREAD_SIGMA_PX)
        levels.append((num_b, den_b))
        if min(num.shape[:2]) < 16:
            break
        num, den = cv2.pyrDown(num_b), cv2.pyrDown(den_b)
    # From the coarsest level up: where a level has too little support, the coarser one answers.
    result = None
    for num_b, den_b in reversed(levels):
        here = num_b / np.maximum(den_b, 1e-6)[..., None] if values.ndim == 3 else num_b / np.maximum(den_b, 1e-6)
        if result is not None:
            coarse = cv2.resize(result, (here.shape[1], here.shape[0]), interpolation=cv2.INTER_LINEAR)
            trust = np.clip(den_b * 4.0, 0.0, 1.0)
            trust = trust[..., None] if values.ndim == 3 else trust
            here = here * trust + coarse * (1.0 - trust)
        result = here
    if shrink > 1:
        result = cv2.resize(result, full, interpolation=cv2.INTER_LINEAR)
    return result.astype(np.float32)
