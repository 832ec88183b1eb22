"""Continue training (personalised lip-sync models) through the HTTP API, with the real models."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.test_wire_format import assert_error
from tests.conftest import make_account, make_settings
from tests.support.fixtures import fixture, serve_fixtures
from videotwin.app import create_app
from videotwin.bootstrap import migrate
from videotwin.db.tables import JobRow, LipsyncModelRow, VideoTwinRow
from videotwin.domain import jobs
from videotwin.families.index import worker_pipelines
from videotwin.runtime import build_runtime
from videotwin.worker.worker import Worker

pytestmark = pytest.mark.slow
CLIP = "video/v02_man_kitchen.mp4"  # 20 s: enough held-out footage to judge a personalised model
PHOTO = "image/i11_man_glasses_sweater_frame.png"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("training")
    fixture(CLIP)
    settings = make_settings(tmp, fetch_allow_hosts=["127.0.0.1"], prices={"lipsync_training_diamonds": 1})
    migrate(settings)
    rt = build_runtime(settings, models=True)
    acct = make_account(rt, "studio", coins=1000, diamonds=3)
    worker = Worker(rt, worker_pipelines(settings.plugins))
    with serve_fixtures() as media, TestClient(create_app(rt)) as client:
        twin = make_twin(client, acct, rt, worker, f"{media}/{CLIP}")
        yield client, acct, rt, worker, media, twin
    rt.close()


def make_twin(client, acct, rt, worker, url):
    resp = client.post("/api/v1/userVideoTwin/startTraining", headers=acct.headers,
                       json={"name": "Kitchen", "gender": "male", "video_url": url})
    twin_id = resp.json()["data"]["_id"]
    with rt.db.read() as session:
        worker.execute(session.get(VideoTwinRow, twin_id).job_id)
    twin = client.get(f"/api/v1/userVideoTwin/{twin_id}", headers=acct.headers).json()["data"]
    assert twin["current_status"] == "completed", twin["failed_message"]
    assert twin["lipsync_model"] == "universal"
    return twin


def diamonds(client, acct):
    return client.get("/api/v1/user/remainingCoins", headers=acct.headers).json()["data"]["diamonds"]


def training_job(rt, twin_id):
    with rt.db.read() as session:
        row = session.query(LipsyncModelRow).filter_by(twin_id=twin_id).order_by(LipsyncModelRow.created_at.desc())
        return row.first().job_id


def test_continue_training_measures_both_models_and_the_better_one_speaks(env):
    client, acct, rt, worker, media, twin = env
    before = diamonds(client, acct)
    resp = client.post("/api/v1/userVideoTwin/continueTranining", headers=acct.headers, json={"_id": twin["_id"]})
    assert resp.status_code == 200, resp.text
    assert resp.json()["data"]["current_status"] == "initialized"
    assert resp.json()["data"]["anchor_id"] == twin["anchor_id"]  # the avatar stays usable meanwhile
    assert diamonds(client, acct) == before - 1
    again = client.post("/api/v1/userVideoTwin/continueTraining", headers=acct.headers, json={"_id": twin["_id"]})
    assert_error(again, 409, None, "already being trained")

    worker.execute(training_job(rt, twin["_id"]))
    after = client.get(f"/api/v1/userVideoTwin/{twin['_id']}", headers=acct.headers).json()["data"]
    assert after["current_status"] == "completed" and diamonds(client, acct) == before - 1
    models = client.get("/api/v1/userVideoTwin/lipsyncModels", headers=acct.headers).json()["data"]
    assert len(models) == 1
    m = models[0]
    assert m["user_video_twin_id"] == twin["_id"] and m["current_status"] == "completed"
    held = m["metrics"]
    assert held["held_out_frames"] >= 40 and set(held["universal"]) == set(held["personal"]) == {"mouth_r"}
    better = held["personal"]["mouth_r"] >= held["universal"]["mouth_r"] + 0.03
    assert m["better_than_universal"] == better == m["in_use"]
    assert after["lipsync_model"] == ("personal" if better else "universal")
    assert after["lipsync_model_reason"] == m["reason"] and "held-out" in m["reason"]
    if better:
        assert after["lipsync_model_id"] == m["_id"]

    # Video generation uses it without any change by the client.
    fixture("audio/a19_en_retalking_1.wav")
    video = client.post("/api/v1/video/generate", headers=acct.headers,
                        json={"anchor_id": twin["anchor_id"], "anchor_type": 1, "resolution": 480,
                              "audioSrc": f"{media}/audio/a19_en_retalking_1.wav"}).json()["data"]
    with rt.db.read() as session:
        used = session.get(JobRow, video["_id"]).inputs["anchor"]["model"]
    assert (used is not None) == better
    worker.execute(video["_id"])
    done = client.post("/api/v1/video/awsResult", headers=acct.headers, json={"_id": video["_id"]}).json()["data"][0]
    assert done["status"] == "success", done["failed_message"]


def test_what_cannot_be_trained_is_refused_and_removing_the_avatar_stops_its_training(env):
    client, acct, rt, worker, media, twin = env
    other = make_account(rt, "outsider", diamonds=5)
    assert_error(client.post("/api/v1/userVideoTwin/continueTraining", headers=other.headers,
                             json={"_id": twin["_id"]}), 404, None, "_id")
    assert_error(client.post("/api/v1/userVideoTwin/continueTraining", headers=acct.headers,
                             json={"_id": "f" * 24}), 404, None, "_id")
    # A photo avatar has no footage of the person speaking.
    photo = client.post("/api/v1/userVideoTwin/startTraining", headers=acct.headers,
                        json={"name": "Photo", "gender": "male", "image_url": f"{media}/{PHOTO}"}).json()["data"]
    with rt.db.read() as session:
        worker.execute(session.get(VideoTwinRow, photo["_id"]).job_id)
    assert_error(client.post("/api/v1/userVideoTwin/continueTraining", headers=acct.headers,
                             json={"_id": photo["_id"]}), 400, None, "photo avatar")
    before = diamonds(client, acct)
    resp = client.post("/api/v1/userVideoTwin/continueTraining", headers=acct.headers, json={"_id": twin["_id"]})
    assert resp.status_code == 200, resp.text
    job_id = training_job(rt, twin["_id"])
    assert client.post("/api/v1/userVideoTwin/remove", headers=acct.headers, json={"_id": twin["_id"]}).status_code \
        == 200
    with rt.db.read() as session:
        job = jobs.get_any(session, job_id)
        assert session.query(LipsyncModelRow).filter_by(twin_id=twin["_id"]).count() == 0
    assert job.status == jobs.CANCELLED and job.refunded and diamonds(client, acct) == before
    assert client.get("/api/v1/userVideoTwin/lipsyncModels", headers=acct.headers).json()["data"] == []
