"""The model registry: nothing loads until used, idle models are unloaded, warm ones stay, a model in
use is never unloaded, and a plugin's engine replaces a model by name."""

from __future__ import annotations

import threading

import pytest

from videotwin.inference.registry import CUDA, Model, ModelRegistry


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Counting(Model):
    """A model that counts its loads and unloads (per registry, through its env's variant)."""

    NAME = "counting"
    events: list[str] = []

    def load(self) -> None:
        Counting.events.append(f"load {self.env.variant}")
        self.ready = True

    def unload(self) -> None:
        Counting.events.append(f"unload {self.env.variant}")
        self.ready = False

    def predict(self, x: int) -> int:
        assert self.ready, "used while unloaded"
        return x * 2


class Other(Counting):
    NAME = "other"

    def predict(self, x: int) -> int:
        return -x


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def registry(tmp_path, clock) -> ModelRegistry:
    Counting.events = []
    reg = ModelRegistry(cache_dir=tmp_path, idle_seconds=60, clock=clock)
    reg.register(Counting.NAME, Counting)
    reg.register(Other.NAME, Other)
    return reg


def test_a_model_loads_only_when_first_used_and_once(registry):
    assert Counting.events == [] and registry.loaded() == []
    assert registry.predict(Counting, 2) == 4
    assert registry.predict("counting", 3) == 6
    assert Counting.events == ["load None"] and registry.loaded() == ["counting"]
    assert registry.loads("counting") == 1


def test_an_idle_model_is_unloaded_and_loads_again_when_needed(registry, clock):
    registry.predict(Counting, 1)
    clock.now += 30
    assert registry.sweep() == []  # used 30 s ago: kept
    clock.now += 31
    assert registry.sweep() == ["counting"] and registry.loaded() == []
    assert registry.predict(Counting, 1) == 2
    assert Counting.events == ["load None", "unload None", "load None"]


def test_a_warm_model_stays_loaded_however_long_it_is_idle(registry, clock):
    registry.keep_warm(["counting"])
    assert Counting.events == ["load None"]  # loaded at once
    clock.now += 10_000
    assert registry.sweep() == [] and registry.loaded() == ["counting"]
    with pytest.raises(KeyError, match="no such model"):
        registry.keep_warm(["nonexistent"])


def test_a_model_in_use_is_never_unloaded_under_its_user(registry, clock):
    with registry.use(Counting) as model:
        clock.now += 10_000
        assert registry.sweep() == []
        assert model.predict(5) == 10
    clock.now += 61
    assert registry.sweep() == ["counting"]


def test_variants_are_loaded_and_unloaded_one_by_one(registry, clock):
    registry.predict(Counting, 1, variant="a.npz")
    clock.now += 40
    registry.predict(Counting, 1, variant="b.npz")
    clock.now += 30
    assert registry.sweep() == ["counting (a.npz)"]
    assert registry.loaded() == ["counting (b.npz)"]


def test_a_plugin_replaces_a_model_by_name_and_users_get_the_new_engine(registry):
    assert registry.predict(Counting, 4) == 8
    registry.register("counting", Other)  # a plugin's engine under the same name
    assert Counting.events[-1] == "unload None"  # the old one is not handed out again
    assert registry.predict("counting", 4) == -4


def test_an_unknown_model_or_device_is_refused_by_name(registry, tmp_path):
    with pytest.raises(KeyError, match="no model 'nope' is registered"):
        registry.predict("nope")
    with pytest.raises(ValueError, match="'tpu' is not one of cpu, cuda"):
        ModelRegistry(cache_dir=tmp_path, device="tpu")
    assert ModelRegistry(cache_dir=tmp_path, device=CUDA).device == CUDA


def test_concurrent_first_uses_load_the_model_once(registry):
    results = []
    threads = [threading.Thread(target=lambda: results.append(registry.predict(Counting, 1))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [2] * 8 and Counting.events == ["load None"]


def test_the_shipped_catalog_names_every_model_and_a_plugin_adds_its_own(tmp_path):
    from videotwin.config import Settings
    from videotwin.models import build_models

    names = build_models(Settings(data_dir=tmp_path)).names()
    assert {"whisper", "piper", "kokoro", "vad", "denoise", "langid", "face_mesh", "segmentation",
            "lipsync.universal", "lipsync.personal", "voice.calibration"} <= set(names)
    with_plugin = build_models(Settings(data_dir=tmp_path, plugins=["tests.inference.test_registry"]))
    assert with_plugin.predict("lipsync.universal", 3) == -3  # the plugin's engine replaced the shipped one


def register_models(registry: ModelRegistry) -> None:
    """This module as a plugin (VIDEOTWIN_PLUGINS): a stand-in engine for the universal lip-sync model."""
    registry.register("lipsync.universal", Other)
