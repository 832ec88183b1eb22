"""Voice samples: made once by the model server, then kept; concurrent first requests wait for the one
being made. The model server is a fake here (counting and slow); the real one speaks in
tests/speech/test_speech_api.py."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.conftest import make_settings
from videotwin.domain import speech
from videotwin.errors import NotFound
from videotwin.speech import voices
from videotwin.storage.blobs import LocalBlobStore

# Long enough that every concurrent request arrives while the first is still being spoken.
FAKE_SPEAK_SECONDS = 0.4


class CountingSpeaker:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def speak(self, text, voice_id, rate=1.0, clone=None) -> bytes:
        with self._lock:
            self.calls.append((text, voice_id))
        time.sleep(FAKE_SPEAK_SECONDS)
        return b"ID3" + voice_id.encode()


@dataclass
class FakeServices:
    settings: object
    blobs: LocalBlobStore
    inference: CountingSpeaker


@pytest.fixture
def services(tmp_path):
    settings = make_settings(tmp_path)
    return FakeServices(settings, LocalBlobStore(settings.blob_dir), CountingSpeaker())


def test_concurrent_first_requests_for_a_sample_speak_it_once_and_all_get_it(services):
    with ThreadPoolExecutor(6) as pool:
        keys = list(pool.map(lambda _: speech.voice_sample(services, "es-ES-ef_dora"), range(6)))
    assert len(set(keys)) == 1
    assert services.inference.calls == [(voices.sample_text("es"), "es-ES-ef_dora")]
    with services.blobs.open(keys[0]) as stored:
        assert stored.read() == b"ID3es-ES-ef_dora"
    # Later requests are served from storage: the model server is not asked again.
    assert speech.voice_sample(services, "es-ES-ef_dora") == keys[0]
    assert len(services.inference.calls) == 1


def test_each_voice_has_its_own_sample_and_a_changed_recipe_gets_a_new_key(services, monkeypatch):
    dora = speech.voice_sample(services, "es-ES-ef_dora")
    alex = speech.voice_sample(services, "es-ES-em_alex")
    assert dora != alex and [c[1] for c in services.inference.calls] == ["es-ES-ef_dora", "es-ES-em_alex"]
    monkeypatch.setitem(voices.SAMPLE_TEXT, "es", "Otra frase de ejemplo.")
    assert speech.sample_key(voices.get("es-ES-ef_dora")) != dora  # not the stale sample


def test_a_sample_of_an_unknown_voice_is_not_found_and_speaks_nothing(services):
    with pytest.raises(NotFound, match="tts_id.*'xx-XX-nobody'.*voice_list"):
        speech.voice_sample(services, "xx-XX-nobody")
    assert services.inference.calls == []


def test_a_sample_the_model_server_failed_to_speak_is_tried_again_by_the_next_request(services, monkeypatch):
    from videotwin.errors import Unavailable

    real = services.inference.speak

    def busy(*args, **kwargs):
        raise Unavailable("speech synthesis: the model server is busy")

    monkeypatch.setattr(services.inference, "speak", busy)
    with pytest.raises(Unavailable):
        speech.voice_sample(services, "fr-FR-ff_siwis")
    assert not services.blobs.exists(speech.sample_key(voices.get("fr-FR-ff_siwis")))
    monkeypatch.setattr(services.inference, "speak", real)
    assert services.blobs.exists(speech.voice_sample(services, "fr-FR-ff_siwis"))
