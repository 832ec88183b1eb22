"""Media inputs read safely: what a file holds from its metadata (nothing decoded), images refused
on their header, and messages that never show a server path."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from tests.support.fixtures import fixture
from videotwin.errors import scrub_paths
from videotwin.lipsync import footage
from videotwin.media import images, video
from videotwin.media.audio import MediaError, decode
from videotwin.media.probe import VideoInfo, probe_media

# A 1-bit 20000x20000 PNG: about 1 MB on disk, 1.2 GB once decoded as RGB.
BOMB_SIDE_PX = 20_000


def png_bomb(path: Path, width: int = BOMB_SIDE_PX, height: int = BOMB_SIDE_PX) -> Path:
    """A valid black 1-bit PNG of this size, written row by row (never held whole in memory)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the packed pixels
    squash = zlib.compressobj(9)
    idat = b"".join(squash.compress(row) for _ in range(height)) + squash.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def test_the_probe_reads_a_real_video_and_real_speech_without_decoding_them():
    clip = probe_media(fixture("video/v04_man_suit_office.mp4"))
    assert clip.has_audio and clip.video is not None
    assert (clip.video.width, clip.video.height) == (700, 700) and abs(clip.duration - 6.13) < 0.1
    assert abs(clip.video.fps - 22.13) < 0.05
    speech = probe_media(fixture("audio/a07_en_openvoice_spk2.mp3"))
    assert speech.has_audio and speech.video is None and abs(speech.duration - 29.49) < 0.2


def test_garbage_is_not_media_and_the_message_shows_no_path(tmp_path):
    junk = tmp_path / "deep" / "folder" / "audio"
    junk.parent.mkdir(parents=True)
    junk.write_bytes(np.random.default_rng(1).bytes(5000))
    with pytest.raises(MediaError) as probed:
        probe_media(junk)
    with pytest.raises(MediaError) as decoded:
        decode(junk, 16000)
    for exc in (probed.value, decoded.value):
        assert str(tmp_path) not in str(exc) and "/" not in str(exc).replace("audio/", ""), str(exc)
    # ffmpeg's reason ("<path>: Invalid data found ..."), without the path it starts with.
    assert str(decoded.value).startswith("not readable as audio (") and "deep" not in str(decoded.value)


def test_a_decompression_bomb_is_refused_on_its_header_without_being_decoded(tmp_path):
    """The check runs in a child process whose peak memory is measured: decoding would take 1.2 GB."""
    bomb = png_bomb(tmp_path / "bomb.png")
    assert bomb.stat().st_size < 2_000_000
    # VmHWM: the child's own peak (ru_maxrss would include the parent's, inherited through fork).
    code = ("import sys\n"
            "from videotwin.media import images\n"
            "from videotwin.media.audio import MediaError\n"
            "try:\n"
            "    images.read_rgb(sys.argv[1], 50_000_000)\n"
            "except MediaError as exc:\n"
            "    print(exc)\n"
            "peak = next(line for line in open('/proc/self/status') if line.startswith('VmHWM:'))\n"
            "print(int(peak.split()[1]) // 1024)\n")
    out = subprocess.run([sys.executable, "-c", code, str(bomb)], capture_output=True, text=True, timeout=120,
                         check=True).stdout.splitlines()
    assert out[0] == "the image is 20000x20000 pixels (400 megapixels); at most 50 megapixels are accepted"
    assert int(out[1]) < 400, f"peak memory {out[1]} MB"  # the interpreter, numpy, OpenCV and PIL: ~150 MB


def test_an_image_within_the_limits_reads_as_it_did_and_a_tiny_one_is_refused(tmp_path):
    portrait = fixture("image/i05_man_grey_bg.jpg")
    rgb = images.read_rgb(portrait, 50_000_000, min_side_px=100)
    assert rgb.shape == (720, 720, 3) and rgb.dtype == np.uint8
    assert images.image_size(portrait) == (720, 720)
    with pytest.raises(MediaError, match=r"720x720 pixels \(0.5 megapixels\); at most 0.3 megapixels"):
        images.read_rgb(portrait, 300_000)
    with pytest.raises(MediaError, match="at least 1000 pixels on each side"):
        images.read_rgb(portrait, 50_000_000, min_side_px=1000)
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(MediaError, match="not a readable image"):
        images.read_rgb(text, 50_000_000)


def _info(width=700, height=700, fps=25.0, duration=12.0) -> VideoInfo:
    return VideoInfo(width, height, fps, duration, "h264", True, int(fps * duration))


@pytest.mark.parametrize("info,code,words", [
    (_info(1, 1), "too_small", ["1x1 pixels", "at least 120x120"]),
    (_info(16, 16, duration=3600), "too_small", ["16x16 pixels", "at least 120x120"]),
    (_info(7680, 4320), "too_large", ["7680x4320 pixels (33.2 megapixels a frame)", "at most 8.8 megapixels"]),
    (_info(fps=240), "too_fast", ["240 frames a second", "at most 120"]),
    (_info(duration=3600), "too_long", ["3600 s long", "at most 600 s"]),
    (_info(duration=4), "too_short", ["4.0 s long", "at least 10 s"]),
    (_info(), None, []),
])
def test_footage_outside_the_limits_is_refused_from_its_metadata_saying_the_limit(info, code, words):
    limits = footage.FootageLimits(min_seconds=10, max_seconds=600, max_frame_pixels=4096 * 2160, max_fps=120)
    problem = footage.check_video(info, limits)
    assert (problem.code if problem else None) == code
    for word in words:
        assert word in problem.message, problem.message


def test_a_1x1_video_scales_to_at_least_2x2():
    """Tracking divided by the scaled size: a 1x1 video scaled to 0x0 was a ZeroDivisionError."""
    assert video.scaled_size(1, 1, 1280) == (2, 2)
    assert video.scaled_size(1, 5000, 1280) == (2, 1280)


def test_scrubbing_replaces_server_paths_and_leaves_urls_and_media_types():
    data = "/srv/videotwin/data"
    message = (f"audioSrc: not readable as audio ({data}/tmp/0123-a1-x/audio: Invalid data found when processing "
               "input); data/tmp/job/audio: relative; File \"/usr/lib/python3.11/x.py\", line 3; expected audio/* "
               "or video/*; http://127.0.0.1:8000/files/users/u/a.wav?expires=1 answered HTTP 404")
    clean = scrub_paths(message, [data, "data"])
    assert clean == ("audioSrc: not readable as audio (a file: Invalid data found when processing input); a file: "
                     "relative; File \"a file\", line 3; expected audio/* or video/*; "
                     "http://127.0.0.1:8000/files/users/u/a.wav?expires=1 answered HTTP 404")
