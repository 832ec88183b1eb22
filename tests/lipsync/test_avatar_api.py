"""Avatars from a fixture video through the HTTP API, with the real models (the preview is rendered)."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.api.test_wire_format import assert_error
from tests.conftest import make_account, make_settings
from tests.storage.test_files_and_uploads import local
from tests.support.fixtures import fixture, serve_fixtures
from videotwin.app import create_app
from videotwin.bootstrap import migrate
from videotwin.db.tables import VideoTwinRow
from videotwin.families.index import worker_pipelines
from videotwin.lipsync import model
from videotwin.lipsync.model import UniversalLipsync
from videotwin.lipsync.tracking import track_video
from videotwin.media.audio import decode
from videotwin.runtime import build_runtime
from videotwin.worker.worker import Worker

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("avatars")
    settings = make_settings(tmp, fetch_allow_hosts=["127.0.0.1"], prices={"avatar_create_coins": 20})
    migrate(settings)
    rt = build_runtime(settings, models=True)
    acct = make_account(rt, "filmmaker", coins=1000, diamonds=5)
    worker = Worker(rt, worker_pipelines(settings.plugins))
    with serve_fixtures() as media, TestClient(create_app(rt)) as client:
        yield client, acct, rt, worker, media
    rt.close()


def make(client, acct, rt, worker, **body):
    resp = client.post("/api/v1/userVideoTwin/startTraining", json=body, headers=acct.headers)
    assert resp.status_code == 200, resp.text
    twin = resp.json()["data"]
    assert twin["current_status"] == "initialized" and twin["anchor_id"] is None
    with rt.db.read() as session:
        job_id = session.get(VideoTwinRow, twin["_id"]).job_id
    worker.execute(job_id)
    return client.get(f"/api/v1/userVideoTwin/{twin['_id']}", headers=acct.headers).json()["data"]


def coins(client, acct):
    return client.get("/api/v1/user/remainingCoins", headers=acct.headers).json()["data"]["coins"]


def test_an_avatar_from_a_talking_head_video_gets_an_anchor_and_a_lip_synced_preview(env, tmp_path, models):
    client, acct, rt, worker, media = env
    fixture("video/v02_man_kitchen.mp4")
    before = coins(client, acct)
    twin = make(client, acct, rt, worker, name="Kitchen", gender="male", video_url=f"{media}/video/v02_man_kitchen.mp4",
                video_backgroud_color="rgba(0,0,0,1)")
    assert twin["current_status"] == "completed", twin["failed_message"]
    assert twin["anchor_id"] and twin["video_background_color"] == "rgba(0,0,0,1)"
    assert coins(client, acct) == before - 20
    preview = tmp_path / "preview.mp4"
    preview.write_bytes(client.get(local(twin["preview_result_url"])).content)
    streams = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(preview)],
                                        capture_output=True, check=True).stdout)["streams"]
    v = next(s for s in streams if s["codec_type"] == "video")
    a = next(s for s in streams if s["codec_type"] == "audio")
    assert v["codec_name"] == "h264" and a["codec_name"] == "aac"
    assert (v["width"], v["height"]) == (1080, 1920) and v["r_frame_rate"] == "25/1"
    assert abs(float(v["duration"]) - float(a["duration"])) <= 0.04
    track = track_video(preview, models)
    assert track.found.all()  # a face in every frame
    speech = decode(preview, model.SAMPLE_RATE_HZ)
    expected = models.predict(UniversalLipsync, speech, track.fps, track.frames)
    r = np.corrcoef(track.mouth_opening(), expected)[0, 1]
    assert r > 0.5, r  # the mouth follows the speech
    anchors = client.get("/api/v1/anchor/character_list", headers=acct.headers).json()["data"]
    assert [x["_id"] for x in anchors] == [twin["anchor_id"]] and anchors[0]["type"] == "custom"
    listed = client.get("/api/v1/userVideoTwin/records?status=completed", headers=acct.headers).json()["data"]
    assert listed["total"] == 1 and listed["data"][0]["_id"] == twin["_id"]
    assert client.post("/api/v1/userVideoTwin/remove", json={"_id": twin["_id"]}, headers=acct.headers).json()[
        "code"] == 0
    assert client.get("/api/v1/anchor/character_list", headers=acct.headers).json()["data"] == []
    assert client.get(local(twin["preview_result_url"])).status_code == 404


def test_footage_that_is_too_short_fails_with_what_to_film_and_a_refund(env):
    client, acct, rt, worker, media = env
    fixture("video/v04_man_suit_office.mp4")
    before = coins(client, acct)
    twin = make(client, acct, rt, worker, name="Short", gender="male",
                video_url=f"{media}/video/v04_man_suit_office.mp4")
    assert twin["current_status"] == "failed" and "at least 10 s" in twin["failed_message"]
    assert twin["hasRefundCoin"] is True and coins(client, acct) == before


def test_a_url_that_is_not_a_video_fails_clearly(env):
    client, acct, rt, worker, media = env
    twin = make(client, acct, rt, worker, video_url=f"{media}/audio/a02_en_seedvc_s1.wav")
    assert twin["current_status"] == "failed" and "expected video" in twin["failed_message"]


def test_bad_requests_are_refused_at_once_and_cost_nothing(env):
    client, acct, *_ = env
    before = coins(client, acct)
    for body, words in [({"name": "x"}, ["video_url", "exactly one"]),
                        ({"video_url": "https://example.com/a b.mp4"}, ["spaces"]),
                        ({"video_url": "https://example.com/a.mp4", "image_url": "https://example.com/a.png"},
                         ["exactly one"]),
                        ({"video_url": "https://example.com/a.mp4", "gender": "other"}, ["gender"])]:
        assert_error(client.post("/api/v1/userVideoTwin/startTraining", json=body, headers=acct.headers), 400, None,
                     *words)
    assert coins(client, acct) == before


def test_a_photo_avatar_speaks_blinks_moves_slightly_and_costs_a_diamond(env, tmp_path, models):
    client, acct, rt, worker, media = env
    fixture("image/i11_man_glasses_sweater_frame.png")
    before = client.get("/api/v1/user/remainingCoins", headers=acct.headers).json()["data"]
    twin = make(client, acct, rt, worker, name="Photo", gender="male",
                image_url=f"{media}/image/i11_man_glasses_sweater_frame.png")
    assert twin["current_status"] == "completed", twin["failed_message"]
    assert twin["image_url"] and twin["anchor_id"]
    after = client.get("/api/v1/user/remainingCoins", headers=acct.headers).json()["data"]
    assert after == {"coins": before["coins"], "diamonds": before["diamonds"] - 1}
    preview = tmp_path / "photo.mp4"
    preview.write_bytes(client.get(local(twin["preview_result_url"])).content)
    track = track_video(preview, models)
    assert track.found.all()
    speech = decode(preview, model.SAMPLE_RATE_HZ)
    expected = models.predict(UniversalLipsync, speech, track.fps, track.frames)
    assert np.corrcoef(track.mouth_opening(), expected)[0, 1] > 0.5  # lips follow the speech
    lm = track.landmarks
    eye_open = np.linalg.norm(lm[:, 159, :2] - lm[:, 145, :2], axis=1) / track.eye_distance()
    # It blinks (a blink lasts 0.18 s, and the video-mode tracker smooths it: without blinks the
    # minimum stays within 5 % of the median).
    assert eye_open.min() < 0.85 * np.median(eye_open)
    centre = lm[:, 1, :2]
    assert 0 < np.ptp(centre[:, 0]) < 0.2 * np.median(track.eye_distance())  # slight head motion, no more


def test_a_photo_without_a_face_fails_with_a_reason(env):
    client, acct, rt, worker, media = env
    fixture("image/i11_man_glasses_sweater_frame.png")
    # The caption fixture's first frame is not a portrait, but a PNG made of a flat colour surely is not.
    import cv2

    flat = rt.settings.data_dir / "flat.png"
    cv2.imwrite(str(flat), np.full((300, 300, 3), 128, np.uint8))
    key = f"users/{acct.id}/uploads/flat.png"
    rt.blobs.put_file(key, flat, "image/png")
    twin = make(client, acct, rt, worker, image_url=rt.url_for(key))
    assert twin["current_status"] == "failed" and "no face" in twin["failed_message"]
    assert twin["hasRefundCoin"] is True


def test_a_photo_with_a_wide_open_mouth_is_refused_with_what_to_use_instead(env):
    client, acct, rt, worker, media = env
    fixture("image/i05_man_grey_bg.jpg")
    twin = make(client, acct, rt, worker, image_url=f"{media}/image/i05_man_grey_bg.jpg")
    assert twin["current_status"] == "failed" and "lips closed or slightly apart" in twin["failed_message"]


def test_a_smiling_photo_showing_its_teeth_speaks_with_them(env, tmp_path, models):
    client, acct, rt, worker, media = env
    fixture("image/i13_woman_asian_frame.png")
    twin = make(client, acct, rt, worker, name="Smile", gender="female",
                image_url=f"{media}/image/i13_woman_asian_frame.png")
    assert twin["current_status"] == "completed", twin["failed_message"]
    preview = tmp_path / "smile.mp4"
    preview.write_bytes(client.get(local(twin["preview_result_url"])).content)
    track = track_video(preview, models)
    assert track.found.all()
    expected = models.predict(UniversalLipsync, decode(preview, model.SAMPLE_RATE_HZ), track.fps, track.frames)
    assert np.corrcoef(track.mouth_opening(), expected)[0, 1] > 0.5  # lips follow the speech


def test_a_failed_avatar_is_retried_as_a_new_run_of_the_same_record_and_its_anchor_follows(env):
    client, acct, rt, worker, media = env
    twin = make(client, acct, rt, worker, name="Again", video_url=f"{media}/audio/a02_en_seedvc_s1.wav")
    assert twin["current_status"] == "failed"
    before = coins(client, acct)
    again = client.post("/api/v1/userVideoTwin/retry", headers=acct.headers, json={"_id": twin["_id"]}).json()
    assert again["code"] == 0 and again["data"]["_id"] == twin["_id"]
    assert again["data"]["current_status"] == "initialized" and again["data"]["failed_message"] == ""
    assert coins(client, acct) == before - again["data"]["coins"] and again["data"]["coins"] > 0
    with rt.db.read() as session:
        from videotwin.db.tables import AnchorRow

        row = session.get(VideoTwinRow, twin["_id"])
        assert row.job_id != twin["_id"] and session.get(AnchorRow, row.anchor_id).job_id == row.job_id
    listed = client.get("/api/v1/userVideoTwin/trainingRecords", headers=acct.headers).json()["data"]
    assert twin["_id"] in [t["_id"] for t in listed]
    assert_error(client.post("/api/v1/userVideoTwin/retry", headers=acct.headers, json={"_id": twin["_id"]}), 400,
                 None, "only a failed task")
