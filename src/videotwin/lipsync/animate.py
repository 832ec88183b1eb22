"""Make a video avatar say new audio, frame by frame, in bounded memory.

An avatar's pack holds, besides its track, two things made in one pass over its footage
(build_pack_media): the base video (the footage at pack size, constant rate, a keyframe every
BLOCK_FRAMES frames, so it can be played backwards by reading short blocks) and the bank (a zip of
JPEG lower-face crops, one per usable frame, with where each sits in its frame).

Saying new audio (Speaker.frames; FootageSpeaker and PhotoSpeaker), given the model's standardised
mouth opening per frame:
1. plan: a base frame per output frame (the footage played forward and back, never a jump cut) and
   the bank frame whose real mouth fits it best (render.plan);
2. read the base frames in that order at the output size (forwards as a stream, backwards block by
   block: at most BLOCK_FRAMES frames are held) and composite each with its planned mouth.
A 10-minute video of a 20-second avatar holds one block of frames and the crops it uses."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from videotwin.lipsync import render
from videotwin.lipsync.composite import LOWER_FACE, composite
from videotwin.lipsync.tracking import LEFT_EYE_OUTER, RIGHT_EYE_OUTER, Track
from videotwin.media import video

# The bank keeps only the lower face of each frame: its landmark box plus this share of the
# eye-corner distance on every side.
BANK_MARGIN_SHARE = 0.35
# Crops are stored as JPEG: at this quality teeth and lip edges look the same as the raw crop.
BANK_JPEG_QUALITY = 95
BANK_ORIGINS = "origins.npy"
# Keyframe interval of the base video, frames; one block is held in memory when playing backwards
# (25 frames of 1080p RGB: 155 MB).
BLOCK_FRAMES = 25
# The base video is an intermediate read back for every video: near-lossless, quick to encode, and
# quick to decode (x264's fastdecode: a third less decoding work for a tenth more bytes).
BASE_CRF = 16
BASE_PRESET = "veryfast"
BASE_TUNE = "fastdecode"


def scaled_track(track: Track, size: tuple[int, int]) -> Track:
    """The same track with landmarks in pixels of a frame of `size`."""
    sx, sy = size[0] / track.width, size[1] / track.height
    return Track(track.fps, size[0], size[1], track.faces, track.second_face_ratio,
                 (track.landmarks * np.array([sx, sy, sx], np.float32)).astype(np.float32), track.found)


def save_track(track: Track, path: Path) -> None:
    """The pack's track.npz: landmarks (pack-size pixels), frame rate, size and the mouth opening."""
    np.savez_compressed(path, landmarks=track.landmarks.astype(np.float32), fps=np.array([track.fps]),
                        size=np.array([track.width, track.height]),
                        opening=track.mouth_opening().astype(np.float32))


def load_track(path: Path) -> Track:
    """A pack's track as saved by save_track (frames without a face have NaN landmarks)."""
    with np.load(path) as data:
        landmarks = data["landmarks"].astype(np.float32)
        fps, size = float(data["fps"][0]), [int(v) for v in data["size"]]
    found = np.isfinite(landmarks).all(axis=(1, 2))
    return Track(fps, size[0], size[1], found.astype(int), np.zeros(len(found)), landmarks, found)


def usable_frames(track: Track) -> np.ndarray:
    return track.found & np.isfinite(track.landmarks).all(axis=(1, 2))


def _crop_box(landmarks: np.ndarray, size: tuple[int, int]) -> tuple[int, int, int, int]:
    eye = float(np.linalg.norm(landmarks[LEFT_EYE_OUTER, :2] - landmarks[RIGHT_EYE_OUTER, :2]))
    pts = landmarks[LOWER_FACE, :2]
    margin = BANK_MARGIN_SHARE * eye
    x0, y0 = np.maximum(np.floor(pts.min(axis=0) - margin).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(pts.max(axis=0) + margin).astype(int), [size[0], size[1]])
    return int(x0), int(y0), int(x1), int(y1)


def build_pack_media(source: Path, track: Track, base: Path, bank: Path,
                     progress: Callable[[float], None] = lambda _f: None,
                     on_frame: Callable[[int, np.ndarray], None] | None = None) -> None:
    """One pass over the footage at the track's size: write the base video and the bank zip.
    on_frame(i, frame) sees every frame (e.g. to pick a cover) without decoding again."""
    size = (track.width, track.height)
    usable = usable_frames(track)
    origins = np.zeros((track.frames, 2), np.float32)
    enc = video.Encoder(base, size, track.fps, crf=BASE_CRF, preset=BASE_PRESET, keyint=BLOCK_FRAMES,
                        tune=BASE_TUNE)
    frames = video.frames(source, size, track.fps)
    try:
        with zipfile.ZipFile(bank, "w", compression=zipfile.ZIP_STORED) as zf:
            last = None
            for i in range(track.frames):
                # A clip can decode a frame short of its track: repeat the last one.
                frame = next(frames, None)
                frame = last if frame is None else frame
                if frame is None:
                    raise video.MediaError("the footage could not be decoded")
                last = frame
                enc.write(frame)
                if on_frame is not None:
                    on_frame(i, frame)
                if usable[i]:
                    x0, y0, x1, y1 = _crop_box(track.landmarks[i], size)
                    ok, data = cv2.imencode(".jpg", np.ascontiguousarray(frame[y0:y1, x0:x1, ::-1]),
                                            [cv2.IMWRITE_JPEG_QUALITY, BANK_JPEG_QUALITY])
                    if ok:
                        zf.writestr(f"{i}.jpg", data.tobytes())
                        origins[i] = (x0, y0)
                if i % 25 == 0:
                    progress(i / track.frames)
            buf = io.BytesIO()
            np.save(buf, origins)
            zf.writestr(BANK_ORIGINS, buf.getvalue())
    finally:
        frames.close()
        enc.close()


class Speaker(Protocol):
    """An avatar that can say new speech: frames(z, size) for a model's mouth openings z."""

    fps: float
    size: tuple[int, int]  # its own frame size (width, height)

    def frames(self, z: np.ndarray, size: tuple[int, int], progress: Callable[[float], None] = lambda _f: None
               ) -> Iterator[np.ndarray]:
        """One RGB frame at `size` per value of z (standardised mouth opening); progress gets 0..1."""


class FootageSpeaker:
    """An avatar made from footage: its pack's base video, bank and track (at the pack's size)."""

    def __init__(self, base: Path, bank: Path, track: Track) -> None:
        self.base, self.bank_path, self.pack_track = base, bank, track
        self.fps, self.size = track.fps, (track.width, track.height)
        self.usable = usable_frames(track)
        with zipfile.ZipFile(bank) as zf:
            self.usable &= np.isin(np.arange(track.frames), [int(n[:-4]) for n in zf.namelist() if n.endswith(".jpg")])
            self.origins = np.load(io.BytesIO(zf.read(BANK_ORIGINS)))
        # Mouth opening and pose are ratios: the same at every size.
        self.opening = np.where(self.usable, track.mouth_opening(), np.nan)
        self.pose = np.where(self.usable[:, None], track.pose(), 0.0)

    def plan(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(base frame, bank frame) per output frame for standardised mouth openings z."""
        bases = render.ping_pong(len(z), self.pack_track.frames)
        target = render.target_opening(z, self.opening[self.usable])
        sources = render.plan(target, self.opening, self.pose[bases], self.pose)
        return bases, sources

    def frames(self, z: np.ndarray, size: tuple[int, int], progress: Callable[[float], None] = lambda _f: None
               ) -> Iterator[np.ndarray]:
        bases, sources = self.plan(z)
        scale = size[0] / self.size[0]
        lm = scaled_track(self.pack_track, size).landmarks
        origins = self.origins * scale
        with zipfile.ZipFile(self.bank_path) as zf:
            for t, (b, frame) in enumerate(zip(bases, self._base_frames(bases, size), strict=True)):
                s = int(sources[t])
                if self.usable[b]:
                    crop = cv2.imdecode(np.frombuffer(zf.read(f"{s}.jpg"), np.uint8), cv2.IMREAD_COLOR)[:, :, ::-1]
                    if scale != 1.0:
                        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
                    shifted = lm[s].copy()
                    shifted[:, :2] -= origins[s]
                    try:
                        frame = composite(frame, lm[b], crop, shifted)
                    except ValueError:
                        pass  # alignment failed on this pair: the base frame as it is beats a broken face
                if t % 10 == 0:
                    progress(t / len(bases))
                yield frame

    def _base_frames(self, bases: np.ndarray, size: tuple[int, int]) -> Iterator[np.ndarray]:
        """Base frames in the order `bases` asks for them: forwards as one stream; backwards (and
        forwards again after a turn) block by block from the keyframes, the next block in the
        direction of travel read by a thread while this one is used."""
        n = self.pack_track.frames

        def read(start: int) -> dict[int, np.ndarray]:
            got = video.read_block(self.base, size, self.fps, start, min(BLOCK_FRAMES, n - start),
                                   scale_from=self.size)
            return {start + i: f for i, f in enumerate(got)}

        block: dict[int, np.ndarray] = {}
        ahead: tuple[int, Future] | None = None
        stream = video.stream(self.base, size, self.fps, 0, scale_from=self.size)
        stream_next, last, previous = 0, None, -1
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="base-block") as pool:
            try:
                for b in bases:
                    b = int(b)
                    if b in block:
                        last = block[b]
                    elif stream is not None and b == stream_next:
                        frame = next(stream, None)
                        stream_next += 1
                        if frame is None:  # the base video ended a frame early: hold its last frame
                            stream.close()
                            stream = None
                        else:
                            last = frame
                    else:
                        if stream is not None:
                            stream.close()
                            stream = None
                        start = (b // BLOCK_FRAMES) * BLOCK_FRAMES
                        block = ahead[1].result() if ahead is not None and ahead[0] == start else read(start)
                        following = start + (BLOCK_FRAMES if b > previous else -BLOCK_FRAMES)
                        ahead = (following, pool.submit(read, following)) if 0 <= following < n else None
                        last = block.get(b, last)
                    if last is None:
                        raise video.MediaError("the avatar's base video could not be read")
                    previous = b
                    yield last
            finally:
                if stream is not None:
                    stream.close()


class PhotoSpeaker:
    """An avatar made from one portrait: the face mesh warped per frame (lipsync/photo.py)."""

    def __init__(self, image: np.ndarray, landmarks: np.ndarray) -> None:
        from videotwin.lipsync.photo import PHOTO_FPS, PhotoAnimator

        self.animator = PhotoAnimator(image, landmarks)
        self.fps, self.size = PHOTO_FPS, (image.shape[1], image.shape[0])

    def frames(self, z: np.ndarray, size: tuple[int, int], progress: Callable[[float], None] = lambda _f: None
               ) -> Iterator[np.ndarray]:
        from videotwin.lipsync.photo import natural_motion, target_opening

        opening = target_opening(z)
        motion = natural_motion(len(z), self.fps, self.animator.eye)
        for t in range(len(z)):
            frame = self.animator.frame(float(opening[t]), float(motion.blink[t]), float(motion.roll[t]),
                                        float(motion.scale[t]), tuple(motion.shift[t]))
            if tuple(size) != self.size:
                frame = cv2.resize(frame, tuple(size), interpolation=cv2.INTER_LINEAR)
            if t % 10 == 0:
                progress(t / len(z))
            yield frame
