"""Stored lip-sync models keep working when the shipped feature set changes: a model names the
features it was trained on, and files from before that was recorded are read as log-mel."""

from __future__ import annotations

import numpy as np

from tests.support.fixtures import fixture
from videotwin.inference.vad import SileroVad
from videotwin.lipsync import model
from videotwin.lipsync.features import speaking
from videotwin.media.audio import decode


def test_a_model_file_names_its_features_and_an_older_file_is_read_as_log_mel(tmp_path, models):
    audio = decode(fixture("audio/a08_en_f5_nature.wav"), model.SAMPLE_RATE_HZ)
    fps = 25.0
    n = int(len(audio) / model.SAMPLE_RATE_HZ * fps)
    with models.use(SileroVad) as vad:
        voiced = speaking(audio, fps, n, vad)
    opening = np.abs(np.sin(np.arange(n) / 3.0))
    for kind, width in ((model.LOGMEL, 80), (model.LOGMEL_DELTA, 160)):
        trained = model.train([(audio, fps, opening)], kind)
        assert trained.weights.shape == (width * (2 * model.CONTEXT_FRAMES + 1),)
        path = tmp_path / f"{kind.replace('+', '-')}.npz"
        trained.save(path, {"kind": kind})
        loaded = model.MouthModel.load(path)
        assert loaded.features == kind
        assert np.allclose(loaded.predict(audio, fps, n, voiced), trained.predict(audio, fps, n, voiced))
    old = tmp_path / "old.npz"  # written before models named their features
    np.savez(old, weights=np.full(400, 0.01), mean=np.zeros(400), scale=np.ones(400), bias=np.array([0.0]))
    assert model.MouthModel.load(old).features == model.LOGMEL
    assert model.MouthModel.load(old).predict(audio, fps, n, voiced).shape == (n,)
    assert model.MouthModel.load().features == model.LOGMEL_DELTA  # the shipped weights
