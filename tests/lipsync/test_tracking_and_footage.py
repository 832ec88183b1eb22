"""Face tracking on the real talking-head fixtures, and the footage checks on real and altered clips."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from tests.support.fixtures import TALKING_HEADS, fixture
from videotwin.lipsync import footage
from videotwin.lipsync.tracking import OneEuro, track_video
from videotwin.media import video

pytestmark = pytest.mark.slow
CLIPS = TALKING_HEADS


@pytest.mark.parametrize("name", CLIPS)
def test_a_face_is_tracked_in_every_frame_of_each_talking_head_clip(name, models):
    path = fixture(f"video/{name}")
    info = video.probe(path)
    track = track_video(path, models)
    assert abs(track.frames - info.duration * info.fps) <= 1  # constant rate, also for v04's variable one
    assert track.found.all()
    assert (track.width, track.height) == (info.width, info.height)
    opening = track.mouth_opening()
    assert opening.min() >= 0 and opening.max() > 0.05  # the mouth opens while they talk
    assert footage.check(track, info.duration, min_seconds=5) is None


def test_portrait_hevc_is_decoded_upright():
    info = video.probe(fixture("video/v01_woman_coat_outdoor.mp4"))
    assert (info.width, info.height, info.codec) == (1080, 1920, "hevc")


def test_a_short_clip_is_refused_with_the_length_it_needs(models):
    path = fixture("video/v04_man_suit_office.mp4")
    problem = footage.check(track_video(path, models), video.probe(path).duration, min_seconds=10)
    assert problem.code == "too_short" and "6.1 s" in problem.message and "10 s" in problem.message


def _make(tmp_path, name, filters):
    src = fixture("video/v05_woman_bluebg.mp4")
    out = tmp_path / name
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-vf", filters, "-c:v", "libx264", "-preset",
                    "ultrafast", "-an", str(out)], check=True, timeout=120)
    return out


def test_a_tiny_face_is_refused(tmp_path, models):
    clip = _make(tmp_path, "far.mp4", "scale=140:140,pad=1280:1280:570:570")
    problem = footage.check(track_video(clip, models), 6.6, min_seconds=5)
    assert problem is not None and problem.code in ("face_too_small", "no_face")
    assert "closer" in problem.message or "no face" in problem.message


def test_two_people_are_refused(tmp_path, models):
    clip = _make(tmp_path, "two.mp4", "split[a][b];[a][b]hstack")
    problem = footage.check(track_video(clip, models), 6.6, min_seconds=5)
    assert problem is not None and problem.code == "many_faces" and "one person" in problem.message


def test_footage_without_a_face_is_refused(tmp_path, models):
    clip = _make(tmp_path, "wall.mp4", "crop=120:120:0:0,scale=700:700")  # a corner of the blue wall
    problem = footage.check(track_video(clip, models), 6.6, min_seconds=5)
    assert problem.code == "no_face" and "facing the camera" in problem.message


def test_the_jitter_filter_steadies_a_still_point_and_follows_a_moving_one():
    rng = np.random.RandomState(0)
    f = OneEuro(25.0)
    still = [f(np.array([100.0]) + rng.randn(1)) for _ in range(100)]
    assert np.std(still[20:]) < 0.6  # the raw jitter has std 1
    f = OneEuro(25.0)
    moving = [f(np.array([float(i * 10)])) for i in range(50)]
    assert abs(moving[-1][0] - 490) < 15  # lags a 250 px/s motion by well under a face's width


def test_encoded_video_is_h264_with_aac_and_both_streams_end_together(tmp_path):
    import json

    from videotwin.media.audio import write_wav

    sr, fps, seconds = 24000, 25, 2.0
    t = np.arange(int(sr * seconds)) / sr
    wav = tmp_path / "tone.wav"
    write_wav(wav, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), sr)
    out = tmp_path / "out.mp4"
    enc = video.Encoder(out, (320, 240), fps, audio=wav)
    for i in range(int(fps * seconds) + 10):  # 10 frames too many: cut to the audio
        enc.write(np.full((240, 320, 3), i % 255, np.uint8))
    enc.close()
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(out)],
                                      capture_output=True, check=True).stdout)["streams"]
    codecs = {s["codec_type"]: s for s in probe}
    assert codecs["video"]["codec_name"] == "h264" and codecs["audio"]["codec_name"] == "aac"
    assert codecs["video"]["pix_fmt"] == "yuv420p"
    assert abs(float(codecs["video"]["duration"]) - float(codecs["audio"]["duration"])) <= 0.04
