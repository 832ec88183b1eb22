"""Media that cannot make what was asked fails at once, from its metadata or header, with the limit in
the message and a refund: tiny, huge, too fast or too long footage, decompression-bomb images, voice
references longer than the limit. Clips are cut from the real fixtures (or drawn by ffmpeg) on the fly
and handed over as our own signed links."""

from __future__ import annotations

import subprocess

import pytest
from fastapi.testclient import TestClient

from tests.api.test_wire_format import assert_error
from tests.conftest import make_account, make_settings
from tests.media.test_media_limits import png_bomb
from tests.support.fixtures import fixture, serve_fixtures
from videotwin.app import create_app
from videotwin.bootstrap import migrate
from videotwin.db.tables import UserVoiceRow, VideoTwinRow
from videotwin.families.index import worker_pipelines
from videotwin.runtime import build_runtime
from videotwin.storage.keys import user_prefix
from videotwin.worker.worker import Worker

pytestmark = pytest.mark.slow
REAL_CLIP = "video/v05_woman_bluebg.mp4"  # 700x700, 30 fps, 6.6 s


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad-media")
    settings = make_settings(tmp, fetch_allow_hosts=["127.0.0.1"], min_training_seconds=5.0,
                             max_video_frame_pixels=1280 * 720, max_video_fps=60.0, max_voice_reference_seconds=40.0,
                             prices={"avatar_create_coins": 20, "photo_avatar_diamonds": 1, "voice_clone_coins": 10})
    migrate(settings)
    rt = build_runtime(settings, models=True)
    acct = make_account(rt, "sender", coins=1000, diamonds=5)
    worker = Worker(rt, worker_pipelines(settings.plugins))
    with serve_fixtures() as media, TestClient(create_app(rt)) as client:
        yield client, acct, rt, worker, media, tmp
    rt.close()


def balances(client, acct):
    data = client.get("/api/v1/user/remainingCoins", headers=acct.headers).json()["data"]
    return data["coins"], data["diamonds"]


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=300)


def stored(rt, acct, path, content_type) -> str:
    """A signed link to `path`, put in the user's uploads (read back from the store, not the network)."""
    key = f"{user_prefix(acct.id)}uploads/{path.name}"
    rt.blobs.put_file(key, path, content_type)
    return rt.url_for(key)


def make_avatar(client, acct, rt, worker, **body) -> dict:
    resp = client.post("/api/v1/userVideoTwin/startTraining", json={"gender": "female", **body}, headers=acct.headers)
    assert resp.status_code == 200, resp.text
    twin_id = resp.json()["data"]["_id"]
    with rt.db.read() as session:
        worker.execute(session.get(VideoTwinRow, twin_id).job_id)
    return client.get(f"/api/v1/userVideoTwin/{twin_id}", headers=acct.headers).json()["data"]


def assert_failed_and_refunded(client, acct, record, before, *words):
    message = record["failed_message"]
    assert record["current_status"] == "failed" and record["hasRefundCoin"] is True, message
    for word in words:
        assert word in message, message
    assert "/tmp/" not in message and "/data/" not in message, message
    assert balances(client, acct) == before


def _one_pixel(tmp):
    """The real clip shrunk to 1x1 (FFV1 keeps odd sizes; H.264 needs even ones)."""
    out = tmp / "one-pixel.mkv"
    ffmpeg("-i", str(fixture(REAL_CLIP)), "-vf", "scale=1:1", "-c:v", "ffv1", "-c:a", "aac", str(out))
    return out, "video/x-matroska"


def _tiny_hour(tmp):
    out = tmp / "tiny-hour.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=16x16:r=1:d=3600", "-c:v", "libx264", "-preset", "ultrafast",
           str(out))
    return out, "video/mp4"


def _hour(tmp):
    out = tmp / "hour.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=160x160:r=1:d=3600", "-c:v", "libx264", "-preset", "ultrafast", str(out))
    return out, "video/mp4"


def _full_hd(tmp):
    out = tmp / "full-hd.mp4"
    ffmpeg("-i", str(fixture(REAL_CLIP)), "-t", "1", "-vf", "scale=1920:1080", "-c:v", "libx264", "-preset",
           "ultrafast", str(out))
    return out, "video/mp4"


def _fast(tmp):
    out = tmp / "fast.mp4"
    ffmpeg("-i", str(fixture(REAL_CLIP)), "-t", "1", "-vf", "scale=240:240,fps=100", "-r", "100", "-c:v", "libx264",
           "-preset", "ultrafast", str(out))
    return out, "video/mp4"


@pytest.mark.parametrize("make,words", [
    (_one_pixel, ["video_url: the video is 1x1 pixels", "at least 120x120"]),  # was "an internal error"
    (_tiny_hour, ["16x16 pixels", "at least 120x120"]),  # held a worker 245 s before "no face was found"
    (_hour, ["3600 s long", "at most 600 s"]),
    (_full_hd, ["1920x1080 pixels (2.1 megapixels a frame)", "at most 0.9 megapixels"]),
    (_fast, ["100 frames a second", "at most 60"]),
], ids=["1x1", "16x16-hour", "hour", "full-hd", "100fps"])
def test_footage_outside_the_limits_fails_before_tracking_with_the_limit_and_a_refund(env, make, words):
    client, acct, rt, worker, _media, tmp = env
    path, content_type = make(tmp)
    before = balances(client, acct)
    twin = make_avatar(client, acct, rt, worker, name=path.stem, video_url=stored(rt, acct, path, content_type))
    assert_failed_and_refunded(client, acct, twin, before, *words)


def test_a_decompression_bomb_photo_fails_the_avatar_without_being_decoded(env):
    """A 1 MB PNG declaring 20000x20000 pixels took 2.9 GB in the worker."""
    client, acct, rt, worker, _media, tmp = env
    url = stored(rt, acct, png_bomb(tmp / "bomb.png"), "image/png")
    before = balances(client, acct)
    twin = make_avatar(client, acct, rt, worker, name="bomb", image_url=url)
    assert_failed_and_refunded(client, acct, twin, before, "image_url: the image is 20000x20000 pixels (400 "
                               "megapixels); at most 50 megapixels are accepted")


def test_a_photo_too_small_to_hold_a_large_enough_face_fails_saying_the_minimum(env):
    client, acct, rt, worker, _media, tmp = env
    small = tmp / "small.png"
    ffmpeg("-i", str(fixture("image/i05_man_grey_bg.jpg")), "-vf", "scale=64:64", str(small))
    before = balances(client, acct)
    twin = make_avatar(client, acct, rt, worker, name="small", image_url=stored(rt, acct, small, "image/png"))
    assert_failed_and_refunded(client, acct, twin, before, "image_url: the image is 64x64 pixels",
                               "at least 100 pixels on each side")


def test_a_decompression_bomb_background_is_a_400_and_is_never_decoded(env):
    """custom_back/add decoded it in the API process: 2.4 GB."""
    client, acct, rt, _worker, _media, tmp = env
    url = stored(rt, acct, png_bomb(tmp / "bomb-background.png"), "image/png")
    resp = client.post("/api/v1/custom_back/add", json={"img_url": url}, headers=acct.headers)
    assert_error(resp, 400, 10001, "img_url: the image is 20000x20000 pixels (400 megapixels); at most 50 "
                                   "megapixels are accepted")
    assert client.post("/api/v1/custom_back/list", headers=acct.headers).json()["data"] == []


def test_voice_references_longer_together_than_the_limit_fail_before_decoding(env):
    client, acct, rt, worker, media, _tmp = env
    fixture("audio/a07_en_openvoice_spk2.mp3")
    urls = [f"{media}/audio/a07_en_openvoice_spk2.mp3", f"{media}/audio/a06_en_openvoice_spk0.mp3"]  # 29.5 + 19.3 s
    before = balances(client, acct)
    resp = client.post("/api/v1/userVoice/training", headers=acct.headers,
                       json={"name": "long", "voice_urls": urls, "gender": "male", "language": "en"})
    assert resp.status_code == 200, resp.text
    voice_id = resp.json()["data"]["_id"]
    with rt.db.read() as session:
        worker.execute(session.get(UserVoiceRow, voice_id).job_id)
    voice = client.get(f"/api/v1/userVoice/{voice_id}", headers=acct.headers).json()["data"]
    assert_failed_and_refunded(client, acct, voice, before, "voice_urls: the audio is 49 s long",
                               "at most 40 s are accepted")
