"""Avatar videos through the HTTP API with the real models: text -> send_tts -> video/generate -> MP4."""

from __future__ import annotations

import json
import subprocess
import threading
import time

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.api.test_wire_format import assert_error
from tests.conftest import make_account, make_settings
from tests.storage.test_files_and_uploads import local
from tests.support.fixtures import fixture, serve_fixtures
from videotwin.app import create_app
from videotwin.bootstrap import migrate
from videotwin.db.tables import JobRow, VideoTwinRow
from videotwin.families.index import worker_pipelines
from videotwin.lipsync import model
from videotwin.lipsync.model import UniversalLipsync
from videotwin.lipsync.tracking import track_video
from videotwin.media import video
from videotwin.media.audio import decode, write_wav
from videotwin.runtime import build_runtime
from videotwin.storage.keys import user_prefix
from videotwin.worker.worker import Worker

pytestmark = pytest.mark.slow
AVATAR_CLIP = "video/v05_woman_bluebg.mp4"  # 6.6 s, 700x700: quick to render
VIDEO_COINS = 7
STATUS_ORDER = ["init", "start", "process", "copy", "success"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("videos")
    fixture(AVATAR_CLIP)
    settings = make_settings(tmp, fetch_allow_hosts=["127.0.0.1"], min_training_seconds=5.0,
                             prices={"video_coins": VIDEO_COINS}, max_video_audio_seconds=20.0,
                             dedicated_pools={"pooled": "pooled-pool"}, progress_interval_seconds=0.05)
    migrate(settings)
    rt = build_runtime(settings, models=True)
    acct = make_account(rt, "presenter", coins=1000, diamonds=5)
    other = make_account(rt, "stranger", coins=1000)
    worker = Worker(rt, worker_pipelines(settings.plugins))
    with serve_fixtures() as media, TestClient(create_app(rt)) as client:
        resp = client.post("/api/v1/userVideoTwin/startTraining", headers=acct.headers,
                           json={"name": "Blue", "gender": "female", "video_url": f"{media}/{AVATAR_CLIP}"})
        twin_id = resp.json()["data"]["_id"]
        with rt.db.read() as session:
            job_id = session.get(VideoTwinRow, twin_id).job_id
        worker.execute(job_id)
        twin = client.get(f"/api/v1/userVideoTwin/{twin_id}", headers=acct.headers).json()["data"]
        assert twin["current_status"] == "completed", twin["failed_message"]
        yield client, acct, other, rt, worker, media, twin["anchor_id"]
    rt.close()


def coins(client, acct):
    return client.get("/api/v1/user/remainingCoins", headers=acct.headers).json()["data"]["coins"]


def generate(client, acct, **body):
    return client.post("/api/v1/video/generate", headers=acct.headers, json=body)


def run_and_watch(client, acct, worker, video_id) -> list[str]:
    """Run the job in a worker thread while polling awsResult; the status words seen, in order."""
    thread = threading.Thread(target=worker.execute, args=(video_id,))
    seen = [client.post("/api/v1/video/awsResult", headers=acct.headers, json={"_id": video_id}).json()["data"][0]
            ["status"]]
    thread.start()
    while thread.is_alive():
        status = client.post("/api/v1/video/awsResult", headers=acct.headers,
                             json={"_id": video_id}).json()["data"][0]["status"]
        if status != seen[-1]:
            seen.append(status)
        time.sleep(0.02)
    thread.join()
    final = client.post("/api/v1/video/awsResult", headers=acct.headers, json={"_id": video_id}).json()["data"][0]
    if final["status"] != seen[-1]:
        seen.append(final["status"])
    return seen


def fetch(client, url, path):
    path.write_bytes(client.get(local(url)).content)
    return path


def streams(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)], capture_output=True,
                         check=True).stdout
    s = json.loads(out)["streams"]
    return next(x for x in s if x["codec_type"] == "video"), next(x for x in s if x["codec_type"] == "audio")


def test_text_to_speech_to_a_lip_synced_video_on_a_colour_background(env, tmp_path, models):
    client, acct, _other, _rt, worker, _media, anchor_id = env
    text = "Good morning! Today I will show you three simple ways to save energy at home."
    speech_url = client.post("/api/v1/video/send_tts", headers=acct.headers,
                             json={"msg": text, "tts_id": "en-US-jo", "speechRate": 1.0}).json()["data"]
    before = coins(client, acct)
    resp = generate(client, acct, title="Energy tips", anchor_id=anchor_id, anchor_type=1, audioSrc=speech_url,
                    resolution=480, color="rgba(0,200,80,1)")
    assert resp.status_code == 200, resp.text
    record = resp.json()["data"]
    assert record["status"] == "init" and record["result"] is None and coins(client, acct) == before - VIDEO_COINS

    seen = run_and_watch(client, acct, worker, record["_id"])
    assert seen[0] == "init" and seen[-1] == "success", seen
    assert [STATUS_ORDER.index(s) for s in seen] == sorted(STATUS_ORDER.index(s) for s in seen), seen
    assert "process" in seen

    done = client.get(f"/api/v1/video/detail?video_id={record['_id']}", headers=acct.headers).json()["data"]
    assert done["process"] == 100 and done["result_people_url"] and done["result_bg_url"]
    out = fetch(client, done["result"], tmp_path / "video.mp4")
    v, a = streams(out)
    assert v["codec_name"] == "h264" and a["codec_name"] == "aac"
    assert (v["width"], v["height"]) == (480, 480)
    speech = tmp_path / "speech.mp3"
    fetch(client, speech_url, speech)
    speech_seconds = len(decode(speech, 16000)) / 16000
    assert abs(float(a["duration"]) - speech_seconds) < 0.1
    assert abs(float(v["duration"]) - float(a["duration"])) <= 0.04
    # The corners are the requested colour (the person is in the middle).
    frames = list(video.frames(out))
    for frame in (frames[5], frames[len(frames) // 2]):
        for corner in (frame[:24, :24], frame[:24, -24:]):
            assert np.abs(corner.reshape(-1, 3).mean(axis=0) - [0, 200, 80]).max() < 12
    # The mouth moves with the speech.
    track = track_video(out, models)
    assert track.found.mean() > 0.97
    expected = models.predict(UniversalLipsync, decode(out, model.SAMPLE_RATE_HZ), track.fps, track.frames)
    r = np.corrcoef(np.nan_to_num(track.mouth_opening()), expected)[0, 1]
    assert r > 0.4, r

    listed = client.get("/api/v1/video/awsList?current=1&pageSize=5", headers=acct.headers).json()["data"]
    assert listed["total"] >= 1 and listed["data"][0]["_id"] == record["_id"]
    assert client.post("/api/v1/video/awsList", headers=acct.headers, json={"current": 1}).json()["data"]["total"] >= 1


def test_audio_longer_than_the_footage_loops_it_forward_and_back_without_a_jump(env, tmp_path, models):
    client, acct, _other, _rt, worker, media, anchor_id = env
    fixture("audio/a01_en_jfk_inaugural.flac")  # 11 s of speech on 6.6 s of footage
    resp = generate(client, acct, anchor_id=anchor_id, anchor_type=1, resolution=480,
                    audioSrc=f"{media}/audio/a01_en_jfk_inaugural.flac")
    video_id = resp.json()["data"]["_id"]
    worker.execute(video_id)
    done = client.post("/api/v1/video/awsResult", headers=acct.headers, json={"_id": video_id}).json()["data"][0]
    assert done["status"] == "success", done["failed_message"]
    assert done["result_people_url"] is None  # nothing was matted
    out = fetch(client, done["result"], tmp_path / "long.mp4")
    v, a = streams(out)
    assert abs(float(v["duration"]) - 11.0) < 0.15 and abs(float(v["duration"]) - float(a["duration"])) <= 0.04
    frames = [f.astype(np.float32) for f in video.frames(out)]
    steps = np.array([np.abs(b - a).mean() for a, b in zip(frames, frames[1:], strict=False)])
    # Played backwards at the turn, never cut: no step is far larger than the footage's usual motion.
    assert steps.max() < 4 * np.median(steps) + 2.0, (steps.max(), np.median(steps))
    assert track_video(out, models).found.all()


def test_a_text_video_with_captions_in_japanese_shows_them_in_the_caption_band(env, tmp_path):
    client, acct, _other, _rt, worker, _media, anchor_id = env
    resp = generate(client, acct, anchor_id=anchor_id, anchor_type=1, resolution=480,
                    msg="こんにちは。今日はいい天気ですね。", custom_voice="ja-JP-jf_alpha", isCaptionEnabled=True,
                    captionAlign={"color": "rgba(255,0,255,1)", "subtitle_position": 0.85, "font_size": 0.07})
    assert resp.status_code == 200, resp.text
    video_id = resp.json()["data"]["_id"]
    worker.execute(video_id)
    done = client.post("/api/v1/video/awsResult", headers=acct.headers, json={"_id": video_id}).json()["data"][0]
    assert done["status"] == "success", done["failed_message"]
    frames = list(video.frames(fetch(client, done["result"], tmp_path / "ja.mp4")))
    mid = frames[len(frames) // 3]
    band = mid[int(0.75 * 480):int(0.95 * 480)].astype(int)
    magenta = (band[..., 0] > 200) & (band[..., 2] > 200) & (band[..., 1] < 90)
    assert magenta.sum() > 300  # glyphs drawn in the caption colour
    top = mid[:int(0.6 * 480)].astype(int)
    assert ((top[..., 0] > 200) & (top[..., 2] > 200) & (top[..., 1] < 90)).sum() < 20  # and only there


def test_backgrounds_system_and_custom_and_a_matted_video_on_one(env, tmp_path):
    client, acct, other, _rt, worker, media, anchor_id = env
    fixture("image/i07_woman_yellow_bg.jpg")
    system = client.post("/api/v1/custom_back/allBackground", headers=acct.headers).json()["data"]
    assert len([b for b in system if b["type"] == "system"]) >= 5
    assert client.get(local(system[0]["img_url"])).headers["content-type"] == "image/jpeg"
    added = client.post("/api/v1/custom_back/add", headers=acct.headers,
                        json={"img_url": f"{media}/image/i07_woman_yellow_bg.jpg"})
    assert added.status_code == 200, added.text
    bg = added.json()["data"]
    assert bg["type"] == "custom" and bg["width"] == 720
    mine = client.post("/api/v1/custom_back/list", headers=acct.headers).json()["data"]
    assert [b["_id"] for b in mine] == [bg["_id"]]
    assert client.post("/api/v1/custom_back/list", headers=other.headers).json()["data"] == []

    # Both ids: A2E's code 30005, nothing charged.
    before = coins(client, acct)
    both = generate(client, acct, anchor_id=anchor_id, anchor_type=1, audioSrc=f"{media}/audio/a19_en_retalking_1.wav",
                    back_id=system[0]["_id"], custom_back_id=bg["_id"])
    assert_error(both, 400, 30005, "custom_back_id")
    assert coins(client, acct) == before
    # Another user cannot use my background.
    theirs = generate(client, other, anchor_id=anchor_id, anchor_type=1, custom_back_id=bg["_id"],
                      audioSrc=f"{media}/audio/a19_en_retalking_1.wav")
    assert theirs.status_code in (400, 404)

    fixture("audio/a19_en_retalking_1.wav")
    resp = generate(client, acct, anchor_id=anchor_id, anchor_type=1, audioSrc=f"{media}/audio/a19_en_retalking_1.wav",
                    resolution=480, custom_back_id=bg["_id"], web_bg_width=1280, web_bg_height=720,
                    web_people_width=500, web_people_height=500, web_people_x=700, web_people_y=220)
    assert resp.status_code == 200, resp.text
    worker.execute(resp.json()["data"]["_id"])
    done = client.post("/api/v1/video/awsResult", headers=acct.headers,
                       json={"_id": resp.json()["data"]["_id"]}).json()["data"][0]
    assert done["status"] == "success", done["failed_message"]
    out = fetch(client, done["result"], tmp_path / "bg.mp4")
    v, _a = streams(out)
    assert (v["width"], v["height"]) == (854, 480)
    people = fetch(client, done["result_people_url"], tmp_path / "people.mp4")
    assert streams(people)[0]["width"] < 854
    frame = next(iter(video.frames(out)))
    background = cv2.cvtColor(cv2.imread(str(fixture("image/i07_woman_yellow_bg.jpg"))), cv2.COLOR_BGR2RGB)
    # The left of the canvas is the custom background (the person stands on the right).
    left = frame[:, :300].astype(float)
    expect = cv2.resize(background, (854, 480))[:, :300].astype(float)
    assert np.abs(left - expect).mean() < 25

    # A system background works the same way.
    resp = generate(client, acct, anchor_id=anchor_id, anchor_type=1, audioSrc=f"{media}/audio/a19_en_retalking_1.wav",
                    resolution=480, back_id=system[0]["_id"])
    worker.execute(resp.json()["data"]["_id"])
    done = client.post("/api/v1/video/awsResult", headers=acct.headers,
                       json={"_id": resp.json()["data"]["_id"]}).json()["data"][0]
    assert done["status"] == "success" and done["result_bg_url"], done["failed_message"]

    assert client.post("/api/v1/custom_back/del", headers=acct.headers, json={"_id": bg["_id"]}).status_code == 200
    assert client.post("/api/v1/custom_back/list", headers=acct.headers).json()["data"] == []
    assert_error(client.post("/api/v1/custom_back/del", headers=acct.headers, json={"_id": system[0]["_id"]}), 400,
                 10001, "_id")


def test_bad_requests_are_refused_clearly_and_cost_nothing(env, tmp_path):
    client, acct, other, _rt, _worker, media, anchor_id = env
    audio = f"{media}/audio/a19_en_retalking_1.wav"
    before = coins(client, acct)
    assert_error(generate(client, acct, anchor_id="0" * 24, anchor_type=1, audioSrc=audio), 400, 10001, "anchor_id")
    assert_error(generate(client, other, anchor_id=anchor_id, anchor_type=1, audioSrc=audio), 400, 10001, "anchor_id")
    assert_error(generate(client, acct, anchor_id=anchor_id, anchor_type=0, audioSrc=audio), 400, 10001, "anchor_type")
    assert_error(generate(client, acct, anchor_id=anchor_id, anchor_type=1), 400, 10001, "audioSrc")
    assert_error(generate(client, acct, anchor_id=anchor_id, anchor_type=1, audioSrc=audio, resolution=999), 400,
                 10001, "resolution")
    assert_error(generate(client, acct, anchor_id=anchor_id, anchor_type=1, audioSrc=audio, color="blue-ish"), 400,
                 10001, "color")
    assert_error(generate(client, acct, anchor_id=anchor_id, anchor_type=1, audioSrc=audio, color="#00ff00",
                          web_bg_width=1280, web_bg_height=720, web_people_width=400, web_people_height=400,
                          web_people_x=1200, web_people_y=0), 400, 10001, "web_people_x")
    assert_error(generate(client, acct, anchor_id=anchor_id, anchor_type=1, audioSrc=audio, isCaptionEnabled=True,
                          captionAlign={"PrimaryColour": "red-ish"}), 400, 10001, "captionAlign.PrimaryColour")
    assert_error(generate(client, acct, anchor_id=anchor_id, anchor_type=1, msg="?! ... 🙂"), 400, 10001, "no word")
    assert_error(generate(client, acct, anchor_id=anchor_id, anchor_type=1, msg="Привет, как дела?",
                          custom_voice="en-US-joe"), 400, 10001, "msg")
    assert_error(generate(client, acct, anchor_id=anchor_id, anchor_type=1, audioSrc=audio, bogus=1), 400, 10001,
                 "bogus")
    assert coins(client, acct) == before


@pytest.mark.parametrize("case", ["not_audio", "garbage", "silent", "too_long", "minute"])
def test_audio_that_cannot_be_spoken_fails_the_video_and_refunds_it(env, tmp_path, case):
    client, acct, _other, rt, worker, media, anchor_id = env
    if case == "not_audio":
        url = f"{media}/MANIFEST.tsv"  # text/tab-separated-values: refused by type
    elif case == "minute":
        url = f"{media}/audio/a11_en_de_multilingual.mp3"  # 60 s: refused from its metadata, nothing decoded
    elif case == "garbage":
        # Served as audio but not audio: ffmpeg's reason named the job's folder in the data dir.
        key = f"{user_prefix(acct.id)}uploads/garbage.wav"
        rt.blobs.put_stream(key, [np.random.default_rng(7).bytes(20000)], "audio/wav", max_bytes=20000)
        url = rt.url_for(key)
    else:
        seconds = 3.0 if case == "silent" else 25.0
        samples = np.zeros(int(16000 * seconds), np.float32)
        if case == "too_long":
            samples = 0.3 * np.sin(np.arange(samples.size) * 2 * np.pi * 220 / 16000).astype(np.float32)
        wav = tmp_path / f"{case}.wav"
        write_wav(wav, samples, 16000)
        key = f"{user_prefix(acct.id)}uploads/{case}.wav"
        rt.blobs.put_file(key, wav, "audio/wav")
        url = rt.url_for(key)
    before = coins(client, acct)
    resp = generate(client, acct, anchor_id=anchor_id, anchor_type=1, audioSrc=url, resolution=480)
    assert resp.status_code == 200, resp.text
    video_id = resp.json()["data"]["_id"]
    worker.execute(video_id)
    done = client.post("/api/v1/video/awsResult", headers=acct.headers, json={"_id": video_id}).json()["data"][0]
    assert done["status"] == "fail" and done["hasRefundCoin"] is True
    assert done["failed_message"].startswith("audioSrc:")
    reason = {"not_audio": "expected audio", "garbage": "not readable as audio", "silent": "silent",
              "too_long": "25 s long; at most 20 s are accepted", "minute": "60 s long; at most 20 s"}[case]
    assert reason in done["failed_message"], done["failed_message"]
    assert str(rt.settings.data_dir) not in done["failed_message"] and "/tmp/" not in done["failed_message"]
    assert coins(client, acct) == before
    # A failed video can be deleted; then it is gone.
    assert client.delete(f"/api/v1/video/{video_id}", headers=acct.headers).status_code == 200
    assert client.post("/api/v1/video/awsResult", headers=acct.headers, json={"_id": video_id}).status_code == 404


def test_videos_go_to_the_users_dedicated_pool_unless_sent_to_the_public_one(env):
    client, _acct, _other, rt, worker, media, _anchor_id = env
    pooled = make_account(rt, "pooled", coins=100)
    resp = client.post("/api/v1/userVideoTwin/startTraining", headers=pooled.headers,
                       json={"name": "P", "gender": "female", "video_url": f"{media}/{AVATAR_CLIP}"})
    with rt.db.read() as session:
        job_id = session.get(VideoTwinRow, resp.json()["data"]["_id"]).job_id
    worker.execute(job_id)
    anchor = client.get(f"/api/v1/userVideoTwin/{resp.json()['data']['_id']}", headers=pooled.headers).json()["data"]
    audio = f"{media}/audio/a19_en_retalking_1.wav"
    own = generate(client, pooled, anchor_id=anchor["anchor_id"], anchor_type=1, audioSrc=audio).json()["data"]
    public = generate(client, pooled, anchor_id=anchor["anchor_id"], anchor_type=1, audioSrc=audio,
                      isToPublicPool=True).json()["data"]
    assert own["isToPublicPool"] is False and public["isToPublicPool"] is True
    with rt.db.read() as session:
        assert session.get(JobRow, own["_id"]).queue == "pooled-pool"
        assert session.get(JobRow, public["_id"]).queue == "default"
    assert client.post("/api/v1/video/auto-public-pool", headers=pooled.headers,
                       json={"isAutoToPublicPool": True}).json()["data"] == {"isAutoToPublicPool": True}
    auto = generate(client, pooled, anchor_id=anchor["anchor_id"], anchor_type=1, audioSrc=audio).json()["data"]
    assert auto["isToPublicPool"] is True
    # Queued videos are cancelled (and refunded) by delete.
    for v in (own, public, auto):
        assert client.delete(f"/api/v1/video/{v['_id']}", headers=pooled.headers).status_code == 200
    assert coins(client, pooled) == 100 - 20  # only the avatar was paid for


@pytest.fixture(scope="module")
def photo_anchor(env):
    client, acct, _other, rt, worker, media, _anchor_id = env
    fixture("image/i11_man_glasses_sweater_frame.png")
    resp = client.post("/api/v1/userVideoTwin/startTraining", headers=acct.headers,
                       json={"name": "Portrait", "gender": "male",
                             "image_url": f"{media}/image/i11_man_glasses_sweater_frame.png"})
    twin_id = resp.json()["data"]["_id"]
    with rt.db.read() as session:
        worker.execute(session.get(VideoTwinRow, twin_id).job_id)
    twin = client.get(f"/api/v1/userVideoTwin/{twin_id}", headers=acct.headers).json()["data"]
    assert twin["current_status"] == "completed", twin["failed_message"]
    return twin["anchor_id"]


def test_a_photo_avatar_speaks_too(env, photo_anchor, tmp_path):
    client, acct, _other, _rt, worker, media, _anchor_id = env
    video_id = generate(client, acct, anchor_id=photo_anchor, anchor_type=1, resolution=480,
                        audioSrc=f"{media}/audio/a19_en_retalking_1.wav").json()["data"]["_id"]
    worker.execute(video_id)
    done = client.post("/api/v1/video/awsResult", headers=acct.headers, json={"_id": video_id}).json()["data"][0]
    assert done["status"] == "success", done["failed_message"]
    v, a = streams(fetch(client, done["result"], tmp_path / "photo.mp4"))
    assert min(v["width"], v["height"]) == 480 and abs(float(v["duration"]) - float(a["duration"])) <= 0.04


@pytest.fixture(scope="module")
def short_speech(env, tmp_path_factory):
    """1.2 s of real speech in the store: quick to render many times."""
    _client, acct, _other, rt, _worker, _media, _anchor_id = env
    audio = decode(fixture("audio/a19_en_retalking_1.wav"), 16000)[:int(1.2 * 16000)]
    wav = tmp_path_factory.mktemp("speech") / "short.wav"
    write_wav(wav, audio, 16000)
    key = f"{user_prefix(acct.id)}uploads/short.wav"
    rt.blobs.put_file(key, wav, "audio/wav")
    return rt.url_for(key)


# (canvas fields, resolution): A2E's 853x480 editor with a 270x480 person, the same at 1080 lines, an
# upright canvas with the person low and to the left, a square one with the person partly off the right.
LAYOUTS = [
    ({"web_bg_width": 853, "web_bg_height": 480, "web_people_width": 270, "web_people_height": 480,
      "web_people_x": 292, "web_people_y": 0}, 480),
    ({"web_bg_width": 853, "web_bg_height": 480, "web_people_width": 270, "web_people_height": 480,
      "web_people_x": 292, "web_people_y": 0}, 1080),
    ({"web_bg_width": 360, "web_bg_height": 640, "web_people_width": 240, "web_people_height": 240,
      "web_people_x": 10, "web_people_y": 380}, 480),
    ({"web_bg_width": 500, "web_bg_height": 500, "web_people_width": 300, "web_people_height": 300,
      "web_people_x": 320, "web_people_y": 100}, 720),
]
GREEN = (0, 200, 80)


@pytest.mark.parametrize("avatar", ["video", "photo"])
@pytest.mark.parametrize("background", ["none", "colour", "system", "custom"])
def test_every_background_and_avatar_kind_renders_the_canvas_as_laid_out(env, photo_anchor, short_speech, tmp_path,
                                                                       background, avatar):
    client, acct, _other, _rt, worker, media, video_anchor = env
    anchor_id = video_anchor if avatar == "video" else photo_anchor
    extra = {"none": {}, "colour": {"color": "rgba(0,200,80,1)"}}.get(background)
    if background == "system":
        extra = {"back_id": client.post("/api/v1/custom_back/allBackground", headers=acct.headers
                                        ).json()["data"][0]["_id"]}
    elif background == "custom":
        extra = {"custom_back_id": client.post("/api/v1/custom_back/add", headers=acct.headers, json={
            "img_url": f"{media}/image/i07_woman_yellow_bg.jpg"}).json()["data"]["_id"]}
    # Each combination gets one of the layouts (each layout is used with a video and a photo avatar).
    index = ["none", "colour", "system", "custom"].index(background) + (avatar == "photo")
    for fields, resolution in (LAYOUTS[index % 4],):
        resp = generate(client, acct, anchor_id=anchor_id, anchor_type=1, audioSrc=short_speech,
                        resolution=resolution, **fields, **extra)
        assert resp.status_code == 200, resp.text
        worker.execute(resp.json()["data"]["_id"])
        done = client.post("/api/v1/video/awsResult", headers=acct.headers,
                           json={"_id": resp.json()["data"]["_id"]}).json()["data"][0]
        assert done["status"] == "success", done["failed_message"]
        out = fetch(client, done["result"], tmp_path / "out.mp4")
        v, a = streams(out)
        assert abs(float(v["duration"]) - float(a["duration"])) <= 0.05
        frame = next(iter(video.frames(out))).astype(int)
        if background == "none":
            # No background to place the person on: the avatar's own frame at the resolution, and a note.
            assert min(v["width"], v["height"]) == resolution
            assert any("web_bg" in n and "ignored" in n for n in done["notes"]), done["notes"]
            continue
        assert done["notes"] == []
        w, h = fields["web_bg_width"], fields["web_bg_height"]
        k = v["width"] / w
        assert min(v["width"], v["height"]) == resolution and abs(v["height"] - h * k) <= 2
        x, y, bw, bh = (fields[f"web_people_{n}"] for n in ("x", "y", "width", "height"))
        box = (int(x * k), int(y * k), int(min(x + bw, w) * k), int(min(y + bh, h) * k))
        outside = np.ones(frame.shape[:2], bool)
        outside[box[1]:box[3], box[0]:box[2]] = False
        expected = cv2.cvtColor(cv2.imread(str(fetch(client, done["result_bg_url"], tmp_path / "bg.jpg"))),
                                cv2.COLOR_BGR2RGB).astype(int)
        assert expected.shape == frame.shape
        if background == "colour":
            assert np.abs(expected[outside] - GREEN).max() < 3
        # Outside the person's box: the background; inside it: someone who is not the background, down to
        # the box's floor (the avatar stands on it).
        assert np.abs(frame[outside] - expected[outside]).mean() < 12
        person = np.abs(frame - expected).max(axis=2) > 40
        rows, cols = np.nonzero(person)
        assert person[box[1]:box[3], box[0]:box[2]].sum() > 0.08 * (box[2] - box[0]) * (box[3] - box[1])
        assert person[outside].mean() < 0.01
        assert rows.max() >= box[3] - 6
        assert box[0] - 4 <= np.percentile(cols, 1) <= np.percentile(cols, 99) <= box[2] + 4


def test_canvas_fields_without_a_background_are_noted_and_not_checked(env, short_speech):
    """With nothing to place the person on, the canvas fields are not used: even ones that would be
    refused with a background (no canvas size, a box off the canvas) only earn a note."""
    client, acct, _other, _rt, _worker, _media, anchor_id = env
    for fields in ({"web_people_width": 270, "web_people_height": 480},
                   {"web_bg_width": 853, "web_bg_height": 480, "web_people_width": 270, "web_people_height": 480,
                    "web_people_x": 5000, "web_people_y": 0}):
        resp = generate(client, acct, anchor_id=anchor_id, anchor_type=1, audioSrc=short_speech, **fields)
        assert resp.status_code == 200, resp.text
        assert any("ignored" in n for n in resp.json()["data"]["notes"])
        assert client.delete(f"/api/v1/video/{resp.json()['data']['_id']}", headers=acct.headers).status_code == 200
    assert_error(generate(client, acct, anchor_id=anchor_id, anchor_type=1, audioSrc=short_speech, color="#000000",
                          web_people_width=270, web_people_height=480), 400, 10001, "web_bg_width")
