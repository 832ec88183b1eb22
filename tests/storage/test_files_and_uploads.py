"""Signed file URLs, presigned uploads and tos/transferToStorage over HTTP."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.api.test_wire_format import assert_error
from tests.conftest import make_account, make_settings
from videotwin.app import create_app
from videotwin.bootstrap import migrate
from videotwin.runtime import build_runtime


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def presign(client, account, **body):
    resp = client.post("/api/v1/r2/upload-presigned-url", json={"key": "clips/a.mp4", **body},
                       headers=account.headers)
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]


def test_a_presigned_upload_can_be_downloaded_at_its_signed_url(client, alice):
    grant = presign(client, alice, contentType="video/mp4")
    assert grant["key"] == "clips/a.mp4" and grant["headers"] == {"Content-Type": "video/mp4"}
    put = client.put(local(grant["url"]), content=b"\x01" * 1000, headers={"Content-Type": "video/mp4"})
    assert put.status_code == 200 and put.json()["code"] == 0
    got = client.get(local(grant["fileUrl"]))
    assert got.status_code == 200 and got.content == b"\x01" * 1000
    assert got.headers["content-type"] == "video/mp4"


def test_the_legacy_presign_path_works_too(client, alice):
    resp = client.post("/api/v1/r2/get_upload_presigned_url", json={"key": "b.wav"}, headers=alice.headers)
    assert resp.json()["code"] == 0 and "/files/users/" in resp.json()["data"]["url"]


def test_a_tampered_or_expired_link_gets_403(client, alice, runtime):
    grant = presign(client, alice)
    client.put(local(grant["url"]), content=b"abc")
    url = local(grant["fileUrl"])
    assert client.get(url).status_code == 200
    assert_error(client.get(url.replace("a.mp4", "b.mp4")), 403, 10003, "invalid or has expired")
    assert_error(client.get(url[:-2] + ("00" if not url.endswith("00") else "11")), 403)
    expired = runtime.signer.download_url(f"users/{alice.id}/uploads/clips/a.mp4", ttl_seconds=-10)
    assert_error(client.get(local(expired)), 403)


@pytest.mark.parametrize("digit", ["%C2%B3", "%D9%A3", "1" * 5000])  # superscript three, Arabic-Indic three
def test_a_link_whose_numbers_are_not_ascii_digits_gets_a_400_naming_the_parameter(client, alice, digit):
    """str.isdigit() accepts these, int() refuses the first and the last: that was a 500."""
    assert_error(client.get(f"/files/00?expires={digit}&signature=x"), 400, 10001, "expires:", "whole number")
    assert client.head(f"/files/00?expires={digit}&signature=x").status_code == 400
    grant = presign(client, alice, contentType="audio/wav", fileSize=100)
    url = local(grant["url"])
    query = dict(part.split("=", 1) for part in urlsplit(url).query.split("&"))
    for name in ("expires", "max_bytes"):
        bad = url.replace(f"{name}={query[name]}", f"{name}={digit}")
        assert_error(client.put(bad, content=b"x", headers={"Content-Type": "audio/wav"}), 400, 10001, f"{name}:")
    download = local(grant["fileUrl"])
    bad = download.replace(f"expires={dict(p.split('=', 1) for p in urlsplit(download).query.split('&'))['expires']}",
                           f"expires={digit}")
    assert_error(client.get(bad), 400, 10001, "expires:")


def test_an_input_url_that_only_looks_like_our_link_is_fetched_like_any_other(client, alice):
    """A /files/ URL whose expires is not a number is not ours: the fetch rules apply (was a 500)."""
    resp = client.post("/api/v1/tos/transferToStorage", json={"url": "http://127.0.0.1:9/files/00?expires=%C2%B3"
                                                                      "&signature=x"}, headers=alice.headers)
    assert_error(resp, 400, 10007, "url:", "loopback")


def test_an_upload_url_cannot_be_reused_for_another_key_or_type(client, alice):
    grant = presign(client, alice, contentType="audio/wav", fileSize=100)
    url = local(grant["url"])
    assert_error(client.put(url.replace("a.mp4", "evil.mp4"), content=b"x"), 403)
    assert_error(client.put(url, content=b"x", headers={"Content-Type": "video/mp4"}), 400, 10001, "audio/wav")
    assert_error(client.put(url, content=b"x" * 101, headers={"Content-Type": "audio/wav"}), 400, 10001, "100")


def test_presign_refuses_a_key_that_tries_to_leave_the_users_folder(client, alice):
    for key in ("../bob/x.mp4", "a/../../x", ".hidden", "a b.mp4"):
        resp = client.post("/api/v1/r2/upload-presigned-url", json={"key": key}, headers=alice.headers)
        assert_error(resp, 400, 10001, "key")


def test_presign_refuses_a_file_larger_than_the_upload_limit(client, alice, settings):
    resp = client.post("/api/v1/r2/upload-presigned-url",
                       json={"key": "x.mp4", "fileSize": settings.max_upload_bytes + 1}, headers=alice.headers)
    assert_error(resp, 400, 10001, "fileSize")


class _Media(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = b"RIFF....WAVEfmt " + b"\x00" * 100
        self.send_response(200)
        self.send_header("Content-Type", "audio/wav")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def allowed_client(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Media)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = make_settings(tmp_path, fetch_allow_hosts=["127.0.0.1"])
    migrate(settings)
    rt = build_runtime(settings)
    acct = make_account(rt, "carol", coins=10)
    with TestClient(create_app(rt)) as c:
        yield c, acct, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    rt.close()


def test_transfer_to_storage_rehosts_a_file_and_keeps_its_content_type(allowed_client):
    client, acct, base = allowed_client
    resp = client.post("/api/v1/tos/transferToStorage", json={"url": f"{base}/voice"}, headers=acct.headers)
    url = resp.json()["data"]["url"]
    assert resp.status_code == 200 and "/transfers/" in url and urlsplit(url).path.endswith(".wav")
    got = client.get(local(url))
    assert got.content.startswith(b"RIFF") and got.headers["content-type"] == "audio/wav"
    # Our own signed link is read from the store, not fetched (it would be a loopback address).
    again = client.post("/api/v1/tos/transferToStorage", json={"url": url}, headers=acct.headers)
    assert again.status_code == 200 and client.get(local(again.json()["data"]["url"])).content == got.content


class _OddLength(BaseHTTPRequestHandler):
    """Declares its length with a non-ASCII digit (a broken or hostile server)."""

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "audio/wav")
        self.send_header("Content-Length", "\u00b3")  # sent as the Latin-1 byte 0xB3
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"RIFF....WAVE")

    def log_message(self, *args):
        pass


def test_a_content_length_that_is_not_a_number_does_not_break_the_fetch(allowed_client):
    client, acct, _base = allowed_client
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OddLength)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        resp = client.post("/api/v1/tos/transferToStorage", json={"url": f"http://127.0.0.1:{server.server_port}/a"},
                           headers=acct.headers)
    finally:
        server.shutdown()
    assert resp.status_code == 200, resp.text
    assert client.get(local(resp.json()["data"]["url"])).content == b"RIFF....WAVE"


def test_transfer_to_storage_refuses_private_addresses_by_default(client, alice):
    resp = client.post("/api/v1/tos/transferToStorage", json={"url": "http://127.0.0.1:9/x.mp4"},
                       headers=alice.headers)
    assert_error(resp, 400, 10007, "url:", "loopback")
    resp = client.post("/api/v1/tos/transferToStorage", json={"url": "https://example.com/a b.mp4"},
                       headers=alice.headers)
    assert_error(resp, 400, 10007, "spaces")


def test_a_stored_file_is_served_in_byte_ranges_for_players_that_seek(client, alice, runtime):
    key = f"users/{alice.id}/uploads/range.bin"
    data = bytes(range(256)) * 40  # 10240 bytes
    runtime.blobs.put_stream(key, [data], "video/mp4", max_bytes=len(data))
    url = local(runtime.url_for(key))
    whole = client.get(url)
    assert whole.status_code == 200 and whole.content == data and whole.headers["accept-ranges"] == "bytes"
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    assert client.get(url, headers={"Range": "bytes=-16"}).content == data[-16:]
    assert client.get(url, headers={"Range": "bytes=10000-"}).content == data[10000:]
    gone = client.get(url, headers={"Range": "bytes=20000-"})
    assert gone.status_code == 416 and gone.headers["content-range"] == f"bytes */{len(data)}"
    head = client.head(url)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(data)) and head.content == b""


def test_a_store_that_offers_direct_links_is_redirected_to(client, alice, runtime, monkeypatch):
    key = f"users/{alice.id}/uploads/elsewhere.mp4"
    runtime.blobs.put_stream(key, [b"x" * 10], "video/mp4", max_bytes=10)
    monkeypatch.setattr(runtime.blobs, "redirect_url", lambda k, ttl: f"https://objects.example/{k}?sig=1")
    resp = client.get(local(runtime.url_for(key)), follow_redirects=False)
    assert resp.status_code == 307 and resp.headers["location"] == f"https://objects.example/{key}?sig=1"


def test_the_store_hands_out_streams_and_copies_never_its_paths(runtime, tmp_path):
    from videotwin.storage.blobs import BlobMissing

    blobs = runtime.blobs
    assert not hasattr(blobs, "local_path")
    blobs.put_stream("users/x/a.txt", [b"hello"], "text/plain", max_bytes=5)
    with blobs.open("users/x/a.txt") as f:
        assert f.read() == b"hello"
    assert blobs.download_to("users/x/a.txt", tmp_path / "copy.txt") == 5
    assert (tmp_path / "copy.txt").read_bytes() == b"hello"
    assert blobs.stat("users/x/a.txt").size == 5 and blobs.stat("users/x/missing") is None
    with pytest.raises(BlobMissing):
        blobs.open("users/x/missing")
