"""The renderer's choices: idle footage looped without jump cuts, targets mapped onto the person's
own range, and bank frames that follow the target while preferring recorded order."""

from __future__ import annotations

import numpy as np

from videotwin.lipsync import render


def test_idle_footage_loops_forward_and_back_without_a_jump():
    seq = render.ping_pong(20, 5)
    assert list(seq[:10]) == [0, 1, 2, 3, 4, 3, 2, 1, 0, 1]
    assert np.abs(np.diff(seq)).max() == 1
    assert list(render.ping_pong(3, 1)) == [0, 0, 0]


def test_targets_use_the_persons_whole_range_and_close_the_mouth_in_silence():
    bank = np.linspace(0.0, 0.3, 101)
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0]) * 0.3  # shrunk, as regression output is
    target = render.target_opening(z, bank)
    assert np.all(np.diff(target) > 0)
    assert target[-1] > 0.27 and target[0] <= np.quantile(bank, 0.05) + 1e-9  # full range restored


def test_the_plan_follows_the_target_and_prefers_consecutive_bank_frames():
    rng = np.random.RandomState(0)
    bank = np.abs(np.sin(np.arange(300) / 7.0)) * 0.3 + rng.rand(300) * 0.01
    target = np.abs(np.sin(np.arange(120) / 5.0)) * 0.3
    path = render.plan(target, bank)
    assert np.corrcoef(bank[path], target)[0, 1] > 0.9
    assert np.mean(np.diff(path) == 1) > 0.3  # long runs of recorded motion, not a frame salad
