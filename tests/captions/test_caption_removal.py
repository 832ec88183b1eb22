"""Caption removal end to end through the HTTP API, with the real detector, on the two fixtures whose
originals are known (c03 = video/v05 and c04 = video/v04 with captions burned in): the task
completes, OCR reads no caption text in the result, the caption band is restored better than plain
Telea inpainting of the caption, and outside the caption the frames are the input's."""

from __future__ import annotations

import re
import subprocess

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import make_account, make_settings
from tests.storage.test_files_and_uploads import local
from tests.support.fixtures import fixture, serve_fixtures
from videotwin.app import create_app
from videotwin.bootstrap import migrate
from videotwin.families.index import worker_pipelines
from videotwin.media import captions, video
from videotwin.pipelines import caption_remove
from videotwin.runtime import build_runtime
from videotwin.worker.worker import Worker

pytestmark = pytest.mark.slow
PREFIX = "/api/v1/userCaptionRemoval"
CASES = {"c03": ("captions/c03_en_burnin_synthetic.mp4", "video/v05_woman_bluebg.mp4", "burned-in caption"),
         "c04": ("captions/c04_zh_burnin_synthetic.mp4", "video/v04_man_suit_office.mp4", "硬字幕")}
CHANGED_LEVELS = 24  # a pixel the caption changed
CAPTION_GROW_PX = 12  # what "the caption" covers around the changed pixels (outline, ringing)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Videos made here: text over most of a moving picture, no sound; and the same rotated to
    portrait at a variable frame rate, with sound."""
    root = tmp_path_factory.mktemp("made")
    size, fps, n = (320, 240), 25, 50
    yy, xx = np.mgrid[0:size[1], 0:size[0]]
    frames = []
    for t in range(n):
        picture = np.stack([(xx + 3 * t) % 256, (yy * 2 + t) % 256, np.full(xx.shape, 90)], axis=2).astype(np.uint8)
        image = Image.fromarray(picture)
        draw = ImageDraw.Draw(image)
        font = ImageFont.truetype(str(captions.FONT_PATH), 44)
        for row, words in enumerate(("BIG TEXT", "OVER ALL", "THE FRAME", "HERE")):
            draw.text((10, 8 + 56 * row), words, font=font, fill=(255, 255, 255), stroke_width=3, stroke_fill=(0, 0, 0))
        frames.append(np.asarray(image))
    enc = video.Encoder(root / "wall.mp4", size, fps)
    for f in frames:
        enc.write(f)
    enc.close()
    # Portrait, variable frame rate (every third frame held twice as long), with a tone.
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(root / "wall.mp4"), "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=2", "-vf", "transpose=1,setpts='N/25/TB+floor(N/3)/25/TB'",
                    "-fps_mode", "vfr", "-c:v", "libx264", "-c:a", "aac", "-shortest",
                    str(root / "portrait_vfr.mp4")], check=True)
    return root


@pytest.fixture(scope="module")
def env(tmp_path_factory, made):
    for source, original, _ in CASES.values():
        fixture(source), fixture(original)
    settings = make_settings(tmp_path_factory.mktemp("captions"), fetch_allow_hosts=["127.0.0.1"])
    migrate(settings)
    rt = build_runtime(settings, models=True)
    acct = make_account(rt, "captioned", coins=100)
    with serve_fixtures() as media, serve_fixtures(made) as own, TestClient(create_app(rt)) as client:
        yield client, acct, Worker(rt, worker_pipelines(settings.plugins)), media, own
    rt.close()


@pytest.fixture(scope="module")
def ocr():
    from rapidocr import RapidOCR

    return RapidOCR(params={"Global.log_level": "error"})


def psnr(a, b) -> float:
    mse = float(((a.astype(np.float64) - b) ** 2).mean())
    return 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def caption_frames(srt: str, fps: float) -> set[int]:
    """The frames the .srt beside a fixture says show a caption (a frame's margin kept at each end)."""
    frames = set()
    for start, end in re.findall(r"(\d+:\d+:\d+,\d+) --> (\d+:\d+:\d+,\d+)", srt):
        a, b = (sum(float(x) * m for x, m in zip(t.replace(",", ".").split(":"), (3600, 60, 1), strict=True))
                for t in (start, end))
        frames |= set(range(int(a * fps) + 2, int(b * fps) - 1))
    return frames


def start_and_run(client, acct, worker, url) -> dict:
    resp = client.post(f"{PREFIX}/start", headers=acct.headers, json={"name": "clean", "source_url": url})
    assert resp.status_code == 200, resp.text
    worker.execute(resp.json()["data"]["_id"])
    return client.get(f"{PREFIX}/{resp.json()['data']['_id']}", headers=acct.headers).json()["data"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_captions_are_taken_out_and_the_background_restored(env, ocr, models, tmp_path, case):
    client, acct, worker, media, _own = env
    source, original, words = CASES[case]
    record = start_and_run(client, acct, worker, f"{media}/{source}")
    assert record["current_status"] == "completed", record
    assert record["text_found"] is True and record["result_url"]
    out = tmp_path / "out.mp4"
    out.write_bytes(client.get(local(record["result_url"])).content)

    fps = 30.0
    src, res, ref = (list(video.frames(p, fps=fps)) for p in (fixture(source), out, fixture(original)))
    n = min(len(src), len(res), len(ref))
    assert len(res) == len(src)
    kernel = np.ones((2 * CAPTION_GROW_PX + 1,) * 2, np.uint8)
    # The baseline paints exactly the pixels the task replaced (its own masks, found again here).
    masks = caption_remove.find_text(models, fixture(source), video.probe(fixture(source)), lambda _f: None)
    ours, telea, seen_before, seen_after = [], [], "", ""
    shown = caption_frames(fixture(source).with_suffix(".srt").read_text(), fps)
    for i in sorted(shown & set(range(n))):
        changed = (np.abs(src[i].astype(np.int16) - ref[i]).max(axis=2) > CHANGED_LEVELS).astype(np.uint8)
        caption = cv2.dilate(changed, kernel).astype(bool)
        # Outside the caption, the frame is the input's (re-encoded).
        assert psnr(res[i][~caption], src[i][~caption]) > 40.0, i
        rows = np.nonzero(caption.any(axis=1))[0]
        band = slice(rows.min(), rows.max() + 1)
        mask = masks.mask(i, src[i])
        assert mask is not None, i  # every frame showing a caption is masked
        base = cv2.inpaint(src[i], mask.astype(np.uint8), 3, cv2.INPAINT_TELEA)
        ours.append(psnr(res[i][band], ref[i][band]))
        telea.append(psnr(base[band], ref[i][band]))
        if i % 15 == 0:  # OCR every half second of the caption
            seen_before += "".join(ocr(np.ascontiguousarray(src[i][band, :, ::-1])).txts or ())
            seen_after += "".join(ocr(np.ascontiguousarray(res[i][band, :, ::-1])).txts or ())
    assert len(ours) > 100
    assert words in seen_before.replace(" ", "") or words.replace(" ", "") in seen_before.replace(" ", "")
    assert len(seen_after.strip()) <= 2, seen_after  # nothing readable is left (a stray mark at most)
    assert np.mean(ours) > np.mean(telea), (np.mean(ours), np.mean(telea))
    # The sound is the source's.
    streams = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0",
                              str(out)], capture_output=True, text=True).stdout.split()
    assert streams == ["video", "audio"]


def test_a_video_without_text_comes_back_unchanged_and_says_so(env):
    client, acct, worker, media, _own = env
    record = start_and_run(client, acct, worker, f"{media}/captions/m01_greenscreen_man_noaudio.mp4")
    assert record["current_status"] == "completed", record
    assert record["text_found"] is False and any("unchanged" in n for n in record["notes"])
    assert client.get(local(record["result_url"])).content == \
        fixture("captions/m01_greenscreen_man_noaudio.mp4").read_bytes()


@pytest.mark.parametrize("name", ["wall.mp4", "portrait_vfr.mp4"])
def test_text_over_most_of_the_frame_and_a_portrait_variable_rate_video_work(env, tmp_path, name):
    client, acct, worker, _media, own = env
    record = start_and_run(client, acct, worker, f"{own}/{name}")
    assert record["current_status"] == "completed", record
    assert record["text_found"] is True
    out = tmp_path / "out.mp4"
    out.write_bytes(client.get(local(record["result_url"])).content)
    info = video.probe(out)
    assert (info.width, info.height) == ((240, 320) if name.startswith("portrait") else (320, 240))
    assert info.has_audio is name.startswith("portrait")
