"""A2E's "clone voice from a video" (userVideoTwin/addVoiceClone) through the HTTP API, with the real
models: an avatar made from a fixture video gives its voice, which trains and speaks."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.api.test_wire_format import assert_error
from tests.conftest import make_account, make_settings
from tests.lipsync.test_avatar_api import make
from tests.speech.test_speech_api import hear, tts
from tests.support.fixtures import fixture, serve_fixtures
from videotwin.app import create_app
from videotwin.bootstrap import migrate
from videotwin.db.tables import JobRow, UserVoiceRow, VideoTwinRow
from videotwin.domain import user_voices
from videotwin.families.index import worker_pipelines
from videotwin.media.audio import decode, rms_dbfs
from videotwin.runtime import build_runtime
from videotwin.speech import world
from videotwin.speech.metrics import wer
from videotwin.worker.worker import Worker

pytestmark = pytest.mark.slow
CLIP = "video/v05_woman_bluebg.mp4"  # 6.6 s, 700x700, a woman talking: quick to make into an avatar
PHOTO = "image/i11_man_glasses_sweater_frame.png"
VOICE_COINS = 10
ADD = "/api/v1/userVideoTwin/addVoiceClone"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("voice-from-avatar")
    fixture(CLIP)
    settings = make_settings(tmp, fetch_allow_hosts=["127.0.0.1"], min_training_seconds=5.0,
                             prices={"voice_clone_coins": VOICE_COINS, "avatar_create_coins": 0, "tts_coins": 0})
    migrate(settings)
    rt = build_runtime(settings, models=True)
    acct = make_account(rt, "twin-speaker", coins=1000, diamonds=5)
    worker = Worker(rt, worker_pipelines(settings.plugins))
    with serve_fixtures() as media, TestClient(create_app(rt)) as client:
        twin = make(client, acct, rt, worker, name="Blue", gender="female", video_url=f"{media}/{CLIP}")
        assert twin["current_status"] == "completed", twin["failed_message"]
        yield client, acct, rt, worker, media, twin
    rt.close()


def coins(client, acct):
    return client.get("/api/v1/user/remainingCoins", headers=acct.headers).json()["data"]["coins"]


def voice_job(rt, voice_id):
    with rt.db.read() as session:
        return session.get(UserVoiceRow, voice_id).job_id


def variant(client, acct, rt, worker, name: str, *ffmpeg_args: str) -> dict:
    """An avatar made through the API from the fixture clip with its sound changed by ffmpeg."""
    made = rt.settings.data_dir / "made" / f"{name}.mp4"
    made.parent.mkdir(exist_ok=True)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(fixture(CLIP)), *ffmpeg_args, str(made)],
                   check=True)
    key = f"users/{acct.id}/uploads/{name}.mp4"
    rt.blobs.put_file(key, made, "video/mp4")
    twin = make(client, acct, rt, worker, name=name, gender="female", video_url=rt.url_for(key))
    assert twin["current_status"] == "completed", twin["failed_message"]
    return twin


def test_an_avatars_voice_trains_from_its_footage_and_speaks_in_send_tts(env):
    client, acct, rt, worker, _media, twin = env
    before = coins(client, acct)
    quote = client.post("/api/v1/generation/quote", headers=acct.headers,
                        json={"endpoint": ADD, "requestBody": {"_id": twin["_id"]}}).json()["data"]
    assert quote["coins"] == VOICE_COINS and quote["currency"] == "coins"
    resp = client.post(ADD, json={"_id": twin["_id"]}, headers=acct.headers)
    assert resp.status_code == 200, resp.text
    voice = resp.json()["data"]
    # userVoice/training's record, named after the avatar, in the avatar's gender
    assert voice["current_status"] == "sent" and voice["name"] == "Blue voice" and voice["gender"] == "female"
    assert voice["language"] == "en" and voice["base_voice"] and voice["user_video_twin_id"] == twin["_id"]
    assert voice["voice_urls"] == [twin["video_url"]] and voice["coins"] == VOICE_COINS
    assert coins(client, acct) == before - VOICE_COINS
    listed = client.get("/api/v1/userVoice/trainingRecord", headers=acct.headers).json()["data"]
    assert voice["_id"] in [v["_id"] for v in listed]
    # the same admission rule as userVoice/training: one training at a time
    assert_error(client.post(ADD, json={"_id": twin["_id"], "name": "again"}, headers=acct.headers), 409, None,
                 "already in progress")

    worker.execute(voice_job(rt, voice["_id"]))
    done = client.get(f"/api/v1/userVoice/{voice['_id']}", headers=acct.headers).json()["data"]
    assert done["current_status"] == "completed", done["failed_message"]
    assert coins(client, acct) == before - VOICE_COINS
    with rt.db.read() as session:
        learned = session.get(JobRow, voice_job(rt, voice["_id"])).outputs
    assert abs(learned["reference_seconds"] - 6.6) < 0.2  # the footage's whole sound track
    assert voice["_id"] in [v["_id"] for v in client.get("/api/v1/userVoice/completedRecord",
                                                         headers=acct.headers).json()["data"]]

    text = "We will meet at the station after lunch and walk to the museum together."
    spoken = tts(client, acct, msg=text, user_voice_id=voice["_id"])
    assert spoken.status_code == 200, spoken.text
    heard, audio = hear(client, rt, spoken.json()["data"], "en")
    assert rms_dbfs(audio) > -30 and wer(text, heard.text) <= 0.2, heard.text
    # at the pitch of the woman in the footage
    ref = decode(fixture(CLIP), 16000)
    ref_f0 = np.exp(world.log_f0_stats(world.analyse(ref.astype(np.float64), 16000).f0)[0])
    out_f0 = np.exp(world.log_f0_stats(world.analyse(audio.astype(np.float64), 16000).f0)[0])
    assert abs(np.log(out_f0 / ref_f0)) < np.log(1.15), (out_f0, ref_f0)


def test_a_name_given_is_kept_and_bounded(env):
    client, acct, _rt, _worker, _media, twin = env
    too_long = client.post(ADD, json={"_id": twin["_id"], "name": "n" * 129}, headers=acct.headers)
    assert_error(too_long, 400, 10001, "name")
    named = client.post(ADD, json={"_id": twin["_id"], "name": "  My twin's voice ", "gender": "male"},
                        headers=acct.headers).json()["data"]
    assert named["name"] == "My twin's voice" and named["gender"] == "male"
    assert client.delete(f"/api/v1/userVoice/{named['_id']}", headers=acct.headers).json()["code"] == 0


def test_what_has_no_voice_to_learn_is_refused_with_a_reason_and_costs_nothing(env, monkeypatch):
    client, acct, rt, worker, media, twin = env
    before = coins(client, acct)
    # not one of yours: the answer every avatar endpoint gives for a missing avatar
    other = make_account(rt, "someone-else", coins=100)
    theirs = assert_error(client.post(ADD, json={"_id": twin["_id"]}, headers=other.headers), 404, 10004, "_id")
    assert theirs["msg"] == f"_id: no avatar {twin['_id']!r}"
    assert theirs["msg"] == client.post("/api/v1/userVideoTwin/continueTraining", json={"_id": twin["_id"]},
                                        headers=other.headers).json()["msg"]
    assert_error(client.post(ADD, json={"_id": "f" * 24}, headers=acct.headers), 404, 10004,
                 f"_id: no avatar {'f' * 24!r}")
    # still being made: wait
    pending = client.post("/api/v1/userVideoTwin/startTraining", headers=acct.headers,
                          json={"name": "Later", "video_url": f"{media}/{CLIP}"}).json()["data"]
    assert_error(client.post(ADD, json={"_id": pending["_id"]}, headers=acct.headers), 400, 10006,
                 "still being made", "wait")
    client.post("/api/v1/userVideoTwin/remove", json={"_id": pending["_id"]}, headers=acct.headers)
    # a photo, footage with no sound track, footage whose sound is silence: nothing to learn from
    photo = make(client, acct, rt, worker, name="Photo", gender="male", image_url=f"{media}/{PHOTO}")
    assert photo["current_status"] == "completed", photo["failed_message"]
    assert_error(client.post(ADD, json={"_id": photo["_id"]}, headers=acct.headers), 400, 10001,
                 "_id", "photo", "no footage", "speaking")
    mute = variant(client, acct, rt, worker, "mute", "-an", "-c:v", "copy")
    assert_error(client.post(ADD, json={"_id": mute["_id"]}, headers=acct.headers), 400, 10001,
                 "_id", "no speech to learn a voice from", "no sound track")
    silent = variant(client, acct, rt, worker, "silent", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono",
                     "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-shortest")
    assert_error(client.post(ADD, json={"_id": silent["_id"]}, headers=acct.headers), 400, 10001,
                 "_id", "no speech to learn a voice from", "silent")
    assert coins(client, acct) == before
    with rt.db.read() as session:
        assert session.query(UserVoiceRow).filter_by(owner_id=acct.id).count() <= 1  # the first test's voice

    # Footage the API does not check (too large to check cheaply) is checked by the training, which
    # fails with the same reason and refunds; so does footage removed while the voice waited.
    monkeypatch.setattr(user_voices, "FOOTAGE_CHECK_MAX_BYTES", 0)
    queued = client.post(ADD, json={"_id": mute["_id"]}, headers=acct.headers).json()["data"]
    assert coins(client, acct) == before - VOICE_COINS
    worker.execute(voice_job(rt, queued["_id"]))
    failed = client.get(f"/api/v1/userVoice/{queued['_id']}", headers=acct.headers).json()["data"]
    assert failed["current_status"] == "failed" and failed["hasRefundCoin"] is True
    for words in ("_id", "no speech to learn a voice from", "no sound track"):
        assert words in failed["failed_message"], failed["failed_message"]
    assert coins(client, acct) == before
    waiting = client.post(ADD, json={"_id": silent["_id"]}, headers=acct.headers).json()["data"]
    client.post("/api/v1/userVideoTwin/remove", json={"_id": silent["_id"]}, headers=acct.headers)
    with rt.db.read() as session:
        assert session.get(VideoTwinRow, silent["_id"]) is None
    worker.execute(voice_job(rt, waiting["_id"]))
    gone = client.get(f"/api/v1/userVoice/{waiting['_id']}", headers=acct.headers).json()["data"]
    assert gone["current_status"] == "failed" and "is gone" in gone["failed_message"], gone["failed_message"]
    assert coins(client, acct) == before
