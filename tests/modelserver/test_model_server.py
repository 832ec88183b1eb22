"""The model server answers the API's model calls; the API's client bounds every call in time and
turns the server's refusals into clear user errors."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from videotwin.config import Settings
from videotwin.errors import BadInput, Unavailable
from videotwin.inference.registry import Model, ModelRegistry
from videotwin.modelserver.client import ModelClient
from videotwin.modelserver.server import create_model_app, listen_args


class SlowDetector(Model):
    """Stands in for the language detector: answers after `delay` seconds."""

    NAME = "langid"
    delay = 0.0

    def load(self) -> None:
        pass

    def predict(self, text: str) -> tuple[str | None, float]:
        time.sleep(SlowDetector.delay)
        return "en", 0.99


@pytest.fixture
def fake_server(tmp_path) -> Iterator[str]:
    """A model server (the real app) whose language model is slow: one quick call at a time, one waiting."""
    sock = tmp_path / "m.sock"
    url = f"unix://{sock}"
    settings = Settings(data_dir=tmp_path, model_server_url=url, model_server_threads=1, model_server_queue=0)
    models = ModelRegistry(cache_dir=tmp_path)
    models.register(SlowDetector.NAME, SlowDetector)
    server = uvicorn.Server(uvicorn.Config(create_model_app(settings, models), log_level="warning", **listen_args(url)))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    SlowDetector.delay = 0.0
    yield url
    server.should_exit = True
    thread.join(5)


def test_a_call_answers_through_the_socket(fake_server):
    assert ModelClient(fake_server, timeout_seconds=5).detect_language("hello there") == ("en", 0.99)


def test_a_call_slower_than_its_bound_is_unavailable_not_a_hang(fake_server):
    SlowDetector.delay = 2.0
    started = time.monotonic()
    with pytest.raises(Unavailable, match="took longer than 0.5 s"):
        ModelClient(fake_server, timeout_seconds=0.5).detect_language("hello")
    assert time.monotonic() - started < 1.5


def test_a_busy_server_says_so_at_once(fake_server):
    SlowDetector.delay = 1.5
    client = ModelClient(fake_server, timeout_seconds=10)
    # Two calls are admitted (one thread for speech, one quick lane, no queue): a third is refused at once.
    busy = [threading.Thread(target=client.detect_language, args=("x",)) for _ in range(2)]
    for t in busy:
        t.start()
    time.sleep(0.3)
    started = time.monotonic()
    with pytest.raises(Unavailable, match="busy"):
        client.detect_language("one too many")
    assert time.monotonic() - started < 0.5
    for t in busy:
        t.join()


def test_bad_input_is_refused_naming_the_field(fake_server):
    with pytest.raises(BadInput, match="voice_id: no public voice 'nobody'"):
        ModelClient(fake_server, timeout_seconds=5).speak("Hello.", "nobody")


def test_a_server_that_is_not_there_is_unavailable_after_a_short_wait(tmp_path):
    client = ModelClient(f"unix://{tmp_path / 'nothing.sock'}", timeout_seconds=5, connect_wait_seconds=0.3)
    with pytest.raises(Unavailable, match="does not answer"):
        client.detect_language("hello")


def test_the_real_model_server_detects_languages_and_speaks(model_server):
    client = ModelClient(model_server, timeout_seconds=120)
    assert client.detect_language("Das ist ein ganz normaler deutscher Satz über das Wetter.")[0] == "de"
    mp3 = client.speak("Hello from the model server.", "en-US-joe")
    assert len(mp3) > 5000 and (mp3[:3] == b"ID3" or mp3[0] == 0xFF)
    with pytest.raises(BadInput, match="msg: has nothing speakable"):
        client.speak("...", "en-US-joe")


def test_model_server_urls_are_a_unix_socket_or_a_tcp_address(tmp_path):
    assert listen_args("unix:///run/videotwin/models.sock") == {"uds": "/run/videotwin/models.sock"}
    assert listen_args("http://127.0.0.1:8001") == {"host": "127.0.0.1", "port": 8001}
    with pytest.raises(ValueError, match="neither unix"):
        listen_args("ftp://x")
    long_dir = tmp_path / ("d" * 120)
    url = Settings(data_dir=long_dir, model_server_url=None).resolved_model_server_url
    assert url.startswith("unix://") and len(url) < 110 and Path(url[7:]).name.startswith("videotwin-")
