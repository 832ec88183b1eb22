"""talkingPhoto and talkingVideo: a photo or a video lip-synced to an audio in one call, with the real
models; and generation/quote, which prices a call exactly as the call itself is charged."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.api.test_wire_format import assert_error
from tests.conftest import make_account, make_settings
from tests.storage.test_files_and_uploads import local
from tests.support.fixtures import fixture, serve_fixtures
from tests.videos.test_video_api import streams
from videotwin.app import create_app
from videotwin.bootstrap import migrate
from videotwin.families.index import worker_pipelines
from videotwin.lipsync.tracking import track_video
from videotwin.runtime import build_runtime
from videotwin.worker.worker import Worker

pytestmark = pytest.mark.slow
PORTRAIT = "image/i11_man_glasses_sweater_frame.png"
FOOTAGE = "video/v05_woman_bluebg.mp4"
SPEECH = "audio/a19_en_retalking_1.wav"
TALKING_COINS = 6


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    for name in (PORTRAIT, FOOTAGE, SPEECH):
        fixture(name)
    settings = make_settings(tmp_path_factory.mktemp("talking"), fetch_allow_hosts=["127.0.0.1"],
                             prices={"talking_photo_coins": TALKING_COINS, "talking_video_coins": TALKING_COINS,
                                     "video_coins": 9, "photo_avatar_diamonds": 2})
    migrate(settings)
    rt = build_runtime(settings, models=True)
    acct = make_account(rt, "talker", coins=100, diamonds=5)
    other = make_account(rt, "onlooker", coins=100)
    with serve_fixtures() as media, TestClient(create_app(rt)) as client:
        yield client, acct, other, Worker(rt, worker_pipelines(settings.plugins)), media
    rt.close()


def coins(client, acct) -> int:
    return client.get("/api/v1/user/remainingCoins", headers=acct.headers).json()["data"]["coins"]


def run(client, acct, worker, group: str, **body) -> dict:
    resp = client.post(f"/api/v1/{group}/start", headers=acct.headers, json=body)
    assert resp.status_code == 200, resp.text
    record = resp.json()["data"]
    assert record["current_status"] == "initialized" and record["result_url"] is None
    worker.execute(record["_id"])
    return client.get(f"/api/v1/{group}/{record['_id']}", headers=acct.headers).json()["data"]


def mouth_motion(client, url, path, models) -> np.ndarray:
    path.write_bytes(client.get(local(url)).content)
    return np.nan_to_num(track_video(path, models).mouth_opening())


def test_a_photo_and_a_video_say_an_audio_in_one_call(env, tmp_path, models):
    client, acct, other, worker, media = env
    before = coins(client, acct)
    # As a published A2E client sends it: duration 0 ("as long as the audio") and prompts.
    photo = run(client, acct, worker, "talkingPhoto", name="Hello", image_url=f"{media}/{PORTRAIT}",
                audio_url=f"{media}/{SPEECH}", duration=0, prompt="a man talking", negative_prompt="blurry")
    assert photo["current_status"] == "completed", photo["failed_message"]
    assert photo["result_url"] and photo["cover_url"] and photo["name"] == "Hello"
    assert photo["prompt"] == "a man talking" and any("prompt" in n for n in photo["notes"])
    v, a = streams(_save(client, photo["result_url"], tmp_path / "photo.mp4"))
    assert abs(float(v["duration"]) - float(a["duration"])) <= 0.05 and abs(float(a["duration"]) - photo[
        "duration"]) < 0.1
    speaking = mouth_motion(client, photo["result_url"], tmp_path / "photo.mp4", models)

    # Without audio, the photo comes alive, silent, for `duration` seconds: the mouth stays still.
    silent = run(client, acct, worker, "talkingPhoto", image_url=f"{media}/{PORTRAIT}", duration=2)
    assert silent["current_status"] == "completed", silent["failed_message"]
    assert silent["duration"] == pytest.approx(2.0, abs=0.05) and silent["notes"] == []
    still = mouth_motion(client, silent["result_url"], tmp_path / "silent.mp4", models)
    assert speaking.std() > 3 * still.std() + 1e-3, (speaking.std(), still.std())

    video = run(client, acct, worker, "talkingVideo", video_url=f"{media}/{FOOTAGE}", audio_url=f"{media}/{SPEECH}")
    assert video["current_status"] == "completed", video["failed_message"]
    assert video["video_url"].endswith(FOOTAGE) and video["image_url"] is None
    v, _a = streams(_save(client, video["result_url"], tmp_path / "video.mp4"))
    assert (v["width"], v["height"]) == (700, 700)
    assert coins(client, acct) == before - 3 * TALKING_COINS

    # The group's lists and lookups, each user seeing only their own.
    listed = client.get("/api/v1/talkingPhoto/allRecords?pageNum=1&pageSize=10", headers=acct.headers).json()["data"]
    assert listed["total"] == 2 and [r["_id"] for r in listed["data"]] == [silent["_id"], photo["_id"]]
    batch = client.post("/api/v1/talkingVideo/batchDetail", headers=acct.headers,
                        json={"ids": [video["_id"], photo["_id"]]}).json()["data"]
    assert [r["_id"] for r in batch] == [video["_id"]]
    assert client.get(f"/api/v1/talkingVideo/{video['_id']}", headers=other.headers).status_code == 404
    assert client.get("/api/v1/talkingPhoto/allRecords", headers=other.headers).json()["data"]["total"] == 0
    assert client.delete(f"/api/v1/talkingPhoto/{silent['_id']}", headers=acct.headers).status_code == 200
    assert client.get(f"/api/v1/talkingPhoto/{silent['_id']}", headers=acct.headers).status_code == 404


def _save(client, url, path):
    path.write_bytes(client.get(local(url)).content)
    return path


def test_bad_talking_requests_are_refused_or_fail_with_a_reason_and_cost_nothing(env):
    client, acct, _other, worker, media = env
    before = coins(client, acct)
    start = "/api/v1/talkingVideo/start"
    assert_error(client.post(start, headers=acct.headers, json={"video_url": f"{media}/{FOOTAGE}"}), 400, None,
                 "audio_url")
    assert_error(client.post("/api/v1/talkingPhoto/start", headers=acct.headers, json={"audio_url": "x"}), 400, None,
                 "image_url")
    assert_error(client.post("/api/v1/talkingPhoto/start", headers=acct.headers,
                             json={"image_url": f"{media}/{PORTRAIT}", "duration": 60}), 400, None, "duration")
    assert coins(client, acct) == before
    # A photo with no face fails the task with the avatar's own reason, and refunds it.
    failed = run(client, acct, worker, "talkingPhoto", image_url=f"{media}/MANIFEST.tsv")
    assert failed["current_status"] == "failed" and failed["hasRefundCoin"] is True
    assert failed["failed_message"].startswith("image_url:")
    assert coins(client, acct) == before


def test_a_quote_is_what_the_call_would_charge_and_charges_nothing(env):
    client, acct, _other, _worker, media = env
    before = coins(client, acct)
    records = client.get("/api/v1/talkingPhoto/allRecords", headers=acct.headers).json()["data"]["total"]

    def quote(endpoint, body):
        return client.post("/api/v1/generation/quote", headers=acct.headers,
                           json={"endpoint": endpoint, "requestBody": body})

    q = quote("/api/v1/talkingPhoto/start", {"image_url": f"{media}/{PORTRAIT}"}).json()["data"]
    assert (q["endpoint"], q["currency"], q["coins"], q["diamonds"], q["enough"]) == (
        "talkingPhoto/start", "coins", TALKING_COINS, 0, True)
    photo_avatar = quote("userVideoTwin/startTraining", {"image_url": f"{media}/{PORTRAIT}"}).json()["data"]
    assert (photo_avatar["currency"], photo_avatar["diamonds"]) == ("diamonds", 2)
    assert quote("http://127.0.0.1/api/v1/video/send_tts", {"msg": "Hi", "tts_id": "en-US-jo"}
                 ).json()["data"]["amount"] == 0
    # The body is checked as the endpoint checks it; unknown endpoints are named.
    assert_error(quote("talkingVideo/start", {"video_url": f"{media}/{FOOTAGE}"}), 400, None, "audio_url")
    assert_error(quote("video/generate", {"anchor_id": "0" * 24}), 400, None, "requestBody.anchor_type")
    assert_error(quote("video/nope", {}), 400, None, "endpoint", "video/generate")
    assert_error(quote("http://[::1/video/generate", {}), 400, None, "endpoint")
    assert_error(quote("talkingPhoto/start", {"image_url": "http://[::1/a.png"}), 400, None, "image_url")
    # send_tts is checked as send_tts checks it.
    assert_error(quote("video/send_tts", {"msg": "?!", "tts_id": "en-US-jo"}), 400, None, "msg", "no word")
    assert_error(quote("video/send_tts", {"msg": "Hello", "tts_id": "nope"}), 400, None, "tts_id")
    # And the group's own admission rules: one voice training at a time.
    training = client.post("/api/v1/userVoice/training", headers=acct.headers, json={
        "name": "mine", "voice_urls": [f"{media}/{SPEECH}"]})
    assert training.status_code == 200, training.text
    assert_error(quote("userVoice/training", {"name": "again", "voice_urls": [f"{media}/{SPEECH}"]}), 409)
    client.delete(f"/api/v1/userVoice/{training.json()['data']['_id']}", headers=acct.headers)
    assert coins(client, acct) == before
    assert client.get("/api/v1/talkingPhoto/allRecords", headers=acct.headers).json()["data"]["total"] == records
