"""The shared real-media fixtures (../shared/fixtures), read in place, never copied into the repo."""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
# The talking-head videos (video/): lip-sync training, held-out evaluation, benchmarks.
TALKING_HEADS = ["v01_woman_coat_outdoor.mp4", "v02_man_kitchen.mp4", "v03_youngman_sofa.mp4",
                 "v04_man_suit_office.mp4", "v05_woman_bluebg.mp4"]


def fixture(relative: str) -> Path:
    path = FIXTURES / relative
    if not path.exists():
        pytest.skip(f"fixture {relative} is not available at {FIXTURES}")
    return path


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".flac": "audio/flac", ".wav": "audio/wav",
                      ".mp3": "audio/mpeg", ".mp4": "video/mp4", ".txt": "text/plain"}

    def log_message(self, *args):
        pass


@contextmanager
def serve_fixtures(directory: Path = FIXTURES) -> Iterator[str]:
    """Serve ../shared/fixtures (or a test's own files) on 127.0.0.1 (tests add 127.0.0.1 to
    VIDEOTWIN_FETCH_ALLOW_HOSTS)."""
    mimetypes.init()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(directory)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
