"""Video in and out through ffmpeg (a separate program): probe, decode frames, encode H.264 + AAC."""

from __future__ import annotations

import queue
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from videotwin.media.audio import FFMPEG, FFMPEG_TIMEOUT_SECONDS, MediaError
from videotwin.media.probe import VideoInfo, probe_media


def probe(path: Path) -> VideoInfo:
    """The picture of a video file (media.probe), or MediaError when it has none."""
    try:
        info = probe_media(path).video
    except MediaError:
        raise MediaError("not readable as a video") from None
    if info is None:
        raise MediaError("the file has no video stream")
    return info


def scaled_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """Even dimensions no larger than max_side on the longer side (aspect kept), at least 2x2 (a 1x1
    video would otherwise be 0x0)."""
    if max_side and max(width, height) > max_side:
        scale = max_side / max(width, height)
        width, height = width * scale, height * scale
    return max(2, int(round(width / 2)) * 2), max(2, int(round(height / 2)) * 2)


def frames(path: Path, size: tuple[int, int] | None = None, fps: float | None = None) -> Iterator[np.ndarray]:
    """Decoded RGB frames (height x width x 3, uint8), rotated upright, optionally scaled, at a constant
    rate (`fps`, default the clip's average): frame i shows time i / fps.

    Phone footage is often variable-frame-rate (v04 mixes 33 ms and 67 ms frame intervals): taking the
    decoded frames as evenly spaced would put the mouth hundreds of milliseconds off its sound, so the
    fps filter places frames by their timestamps."""
    info = probe(path)
    width, height = size or (info.width, info.height)
    rate = fps or info.fps or 25.0
    filters = [f"fps={rate}", f"scale={width}:{height}:flags=bilinear"]
    cmd = [FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-an", "-vf", ",".join(filters)]
    return _raw_frames(cmd, (width, height), (width, height))


# Frames held between ffmpeg and Python in each direction: a thread on each side converts colours
# and moves frames while the caller works on the next one.
PIPELINE_FRAMES = 4


def _raw_frames(cmd: list[str], decoded: tuple[int, int], size: tuple[int, int]) -> Iterator[np.ndarray]:
    """RGB frames at `size` from an ffmpeg command (inputs and filters; the output is added here) whose
    frames are `decoded` in size, read ahead by a thread.

    ffmpeg hands over YUV 4:2:0 as it decodes it; the thread turns it into RGB (and scales it) with
    OpenCV, several times cheaper than ffmpeg's own conversion and off the caller's thread (OpenCV
    releases the interpreter lock). Both use BT.601 limited range: colours agree within 2 levels."""
    width, height = decoded
    yuv = width % 2 == 0 and height % 2 == 0
    cmd = cmd + ["-f", "rawvideo", "-pix_fmt", "yuv420p" if yuv else "rgb24", "-"]
    frame_bytes = width * height * 3 // 2 if yuv else width * height * 3

    def to_rgb(buf: bytes) -> np.ndarray:
        if yuv:
            rgb = cv2.cvtColor(np.frombuffer(buf, np.uint8).reshape(height * 3 // 2, width), cv2.COLOR_YUV2RGB_I420)
        else:
            rgb = np.frombuffer(buf, np.uint8).reshape(height, width, 3)
        if (width, height) != tuple(size):
            interpolation = cv2.INTER_AREA if size[0] < width else cv2.INTER_LINEAR
            rgb = cv2.resize(rgb, tuple(size), interpolation=interpolation)
        return rgb

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    ready: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=PIPELINE_FRAMES)
    stop = threading.Event()

    def pump() -> None:
        try:
            while not stop.is_set():
                buf = proc.stdout.read(frame_bytes)
                if len(buf) < frame_bytes:
                    break
                ready.put(to_rgb(buf))
        finally:
            ready.put(None)

    reader = threading.Thread(target=pump, name="ffmpeg-read", daemon=True)
    reader.start()
    try:
        while (frame := ready.get()) is not None:
            yield frame
    finally:
        stop.set()
        if proc.poll() is None and reader.is_alive():
            proc.kill()  # the consumer stopped early: end the read the pump may be blocked in
        while reader.is_alive():
            try:
                ready.get(timeout=0.1)  # unblock a pump waiting to put
            except queue.Empty:
                pass
        proc.stdout.close()
        try:
            proc.wait(timeout=FFMPEG_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()


def sampled(path: Path, every: int, fps: float) -> Iterator[np.ndarray]:
    """Frames 0, every, 2 * every, ... of `frames(path, fps=fps)` (same numbering), the others
    decoded but never converted or handed over (a detector that looks at a few frames a second)."""
    info = probe(path)
    filters = [f"fps={fps}", f"select='not(mod(n\\,{every}))'"]
    cmd = [FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-an", "-vf", ",".join(filters), "-vsync", "0"]
    size = (info.width, info.height)
    return _raw_frames(cmd, size, size)


def with_audio_of(picture: Path, source: Path, dest: Path) -> None:
    """`picture`'s video with `source`'s sound as it was (copied, not re-encoded), or AAC when the
    MP4 container cannot hold that codec; just the picture when the source has no sound."""
    base = [FFMPEG, "-nostdin", "-v", "error", "-y", "-i", str(picture), "-i", str(source), "-map", "0:v",
            "-map", "1:a?", "-c:v", "copy"]
    for audio in (["-c:a", "copy"], ["-c:a", "aac", "-b:a", AAC_BITRATE]):
        proc = subprocess.run(base + audio + ["-movflags", "+faststart", str(dest)], capture_output=True,
                              timeout=FFMPEG_TIMEOUT_SECONDS, check=False)
        if proc.returncode == 0:
            return
    raise MediaError(f"muxing the sound failed: {proc.stderr.decode(errors='replace')[-300:]}")


def stream(path: Path, size: tuple[int, int], fps: float, start: int = 0, count: int | None = None,
           scale_from: tuple[int, int] | None = None) -> Iterator[np.ndarray]:
    """Frames from `start` on of a constant-rate file we wrote (no rate conversion), at `size`
    (scaled when the file is `scale_from`). `start` must be a keyframe (see Encoder's keyint): the
    seek lands on the keyframe at or before a quarter frame past it, and decoding starts right there
    (an "accurate" seek to just before it would decode the whole previous group of frames too)."""
    cmd = [FFMPEG, "-nostdin", "-v", "error"]
    if start > 0:
        cmd += ["-noaccurate_seek", "-ss", f"{(start + 0.25) / fps:.6f}"]
    cmd += ["-i", str(path), "-an"]
    if count is not None:
        cmd += ["-frames:v", str(count)]
    return _raw_frames(cmd, tuple(scale_from or size), size)


def read_block(path: Path, size: tuple[int, int], fps: float, start: int, count: int,
               scale_from: tuple[int, int] | None = None) -> list[np.ndarray]:
    return list(stream(path, size, fps, start, count, scale_from))


# x264 quality (lower is better; 18-23 is visually clean) and speed preset for outputs.
H264_CRF = 20
H264_PRESET = "veryfast"
AAC_BITRATE = "128k"


class Encoder:
    """Write RGB frames to an H.264 MP4 (yuv420p, +faststart), muxing AAC audio from a file if given.

    The video is cut or padded (last frame held) to the audio's length, so both end together.
    keyint: a keyframe exactly every this many frames (for files read back in blocks, see read_block)."""

    def __init__(self, dest: Path, size: tuple[int, int], fps: float, audio: Path | None = None,
                 crf: int = H264_CRF, preset: str = H264_PRESET, keyint: int | None = None,
                 frames: int | None = None, tune: str | None = None) -> None:
        width, height = size
        self.frame_bytes = width * height * 3
        # Frames go to ffmpeg as YUV 4:2:0, converted by OpenCV on the writer thread (see _raw_frames).
        self.yuv = width % 2 == 0 and height % 2 == 0
        cmd = [FFMPEG, "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt",
               "yuv420p" if self.yuv else "rgb24", "-s", f"{width}x{height}", "-r", f"{fps}", "-i", "-"]
        if audio is not None:
            cmd += ["-i", str(audio), "-map", "0:v", "-map", "1:a", "-c:a", "aac", "-b:a", AAC_BITRATE, "-af", "apad"]
            # Knowing the frame count, cut both streams at exactly that time (-shortest overshoots the
            # video's end by up to an audio packet or two).
            cmd += ["-t", f"{frames / fps:.6f}"] if frames else ["-shortest"]
        cmd += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p"]
        if keyint:
            cmd += ["-g", str(keyint), "-keyint_min", str(keyint), "-sc_threshold", "0"]
        if tune:
            cmd += ["-tune", tune]
        cmd += ["-movflags", "+faststart", str(dest)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        # A thread feeds ffmpeg, so encoding runs while the caller makes the next frame.
        self._pending: queue.Queue[bytes | None] = queue.Queue(maxsize=PIPELINE_FRAMES)
        self._failed: BaseException | None = None
        self._writer = threading.Thread(target=self._pump, name="ffmpeg-write", daemon=True)
        self._writer.start()

    def _pump(self) -> None:
        while (frame := self._pending.get()) is not None:
            if self._failed is None:
                try:
                    data = cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420) if self.yuv else frame
                    self.proc.stdin.write(data.tobytes())
                except (BrokenPipeError, OSError) as exc:
                    self._failed = exc  # keep draining, so write() never blocks on a dead encoder

    def write(self, frame: np.ndarray) -> None:
        if frame.nbytes != self.frame_bytes or frame.dtype != np.uint8:
            raise ValueError(f"frame is {frame.shape} {frame.dtype}, expected {self.frame_bytes} bytes of uint8 RGB")
        if self._failed is not None:
            raise MediaError(f"the encoder stopped: {self._failed}")
        # Queued as is (no copy): the caller must not change a frame after writing it.
        self._pending.put(np.ascontiguousarray(frame))

    def close(self) -> None:
        self._pending.put(None)
        self._writer.join()
        try:
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        code = self.proc.wait(timeout=FFMPEG_TIMEOUT_SECONDS)
        if code != 0:
            raise MediaError(f"encoding failed: {self.proc.stderr.read().decode(errors='replace')[-300:]}")
