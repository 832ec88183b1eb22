"""The renderer's choices: idle footage looped without jump cuts, targets mapped onto the person's
own range, and bank frames that follow the target while preferring recorded order."""

from __future__ import annotations

import numpy as np

from tests.support.fixtures import fixture
from videotwin.inference.vad import SileroVad
from videotwin.lipsync import model, render
from videotwin.lipsync.features import speaking
from videotwin.media.audio import decode


def test_idle_footage_loops_forward_and_back_without_a_jump():
    seq = render.ping_pong(20, 5)
    assert list(seq[:10]) == [0, 1, 2, 3, 4, 3, 2, 1, 0, 1]
    assert np.abs(np.diff(seq)).max() == 1
    assert list(render.ping_pong(3, 1)) == [0, 0, 0]


def test_targets_use_the_persons_whole_range_and_close_the_mouth_in_silence():
    bank = np.linspace(0.0, 0.3, 101)
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])  # model.finish output: unit spread, silence at SILENT_Z
    target = render.target_opening(z, bank)
    assert np.all(np.diff(target) > 0)
    assert target[-1] > 0.27 and target[0] <= np.quantile(bank, 0.05) + 1e-9


def test_a_prediction_is_standardised_over_speech_and_closed_where_nobody_speaks():
    raw = np.array([5.0, 5.0, 1.0, 2.0, 3.0, 2.0, 1.0, 5.0, 5.0, 5.0]) * 0.1  # shrunk regression output
    voiced = np.array([0, 0, 1, 1, 1, 1, 1, 0, 0, 0], bool)
    z = model.finish(raw, voiced)
    assert z[0] == model.SILENT_Z and z[-1] == model.SILENT_Z  # loud room noise does not open the mouth
    assert z[4] > 0.6 and np.argmax(z) == 4  # unit spread restored over the speech (then smoothed)
    assert np.all(np.isfinite(model.finish(raw, np.zeros(10, bool))))  # no speech found: the model decides


def test_voice_activity_marks_speech_with_a_lead_and_a_trail_and_not_silence(models):
    audio = decode(fixture("audio/a08_en_f5_nature.wav"), model.SAMPLE_RATE_HZ)
    silence = np.zeros(model.SAMPLE_RATE_HZ, np.float32)
    fps = 25.0
    clip = np.concatenate([silence, audio, silence])
    n = int(len(clip) / model.SAMPLE_RATE_HZ * fps)
    with models.use(SileroVad) as vad:
        voiced = speaking(clip, fps, n, vad)
        silent = speaking(np.zeros(0, np.float32), fps, 0, vad)
    assert not voiced[:int(0.8 * fps)].any() and not voiced[-int(0.7 * fps):].any()
    assert voiced[int(1.5 * fps):int(4.5 * fps)].mean() > 0.7  # less its pauses
    assert silent.shape == (0,)


def test_the_plan_follows_the_target_and_prefers_consecutive_bank_frames():
    rng = np.random.RandomState(0)
    bank = np.abs(np.sin(np.arange(300) / 7.0)) * 0.3 + rng.rand(300) * 0.01
    target = np.abs(np.sin(np.arange(120) / 5.0)) * 0.3
    path = render.plan(target, bank)
    assert np.corrcoef(bank[path], target)[0, 1] > 0.9
    assert np.mean(np.diff(path) == 1) > 0.3  # long runs of recorded motion, not a frame salad


def test_colour_matching_moves_the_mouths_colour_to_the_frames_without_a_tint():
    """A source with more contrast than the frame: matched, its mean is the frame's (an earlier version
    scaled about zero, clamped the offset and turned lower faces red)."""
    import cv2

    from videotwin.lipsync.composite import match_colour

    rng = np.random.RandomState(0)
    dst_lab = np.clip(rng.normal([150, 140, 135], [8, 2, 2], (64, 64, 3)), 0, 255).astype(np.uint8)
    src_lab = np.clip(rng.normal([140, 144, 138], [12, 4, 4], (64, 64, 3)), 0, 255).astype(np.uint8)
    dst = cv2.cvtColor(dst_lab, cv2.COLOR_LAB2RGB)
    src = cv2.cvtColor(src_lab, cv2.COLOR_LAB2RGB)
    out = cv2.cvtColor(match_colour(src, dst, np.ones((64, 64), np.float32)), cv2.COLOR_RGB2LAB).astype(float)
    dst_mean = cv2.cvtColor(dst, cv2.COLOR_RGB2LAB).astype(float).mean((0, 1))
    assert np.all(np.abs(out.mean((0, 1)) - dst_mean) < 1.5)
