"""The fetch rules. Address filtering is tested as a unit with a fake resolver: nothing is sent to any
address but 127.0.0.1, and 127.0.0.1 only to a server the test runs itself."""

from __future__ import annotations

import ipaddress
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from videotwin.errors import InputFetchError
from videotwin.storage.fetch import FetchRules, address_refusal, check_url, fetch_to_file, vetted_addresses

REFUSED = [
    "127.0.0.1", "127.8.9.10", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
    "fe80::1", "224.0.0.1", "ff02::1", "0.0.0.0", "::", "240.0.0.1", "100.64.0.1", "fc00::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::", "64:ff9b::a00:1", "198.18.0.1",
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",
]
ALLOWED = ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "93.184.215.14"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address):
    assert address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ALLOWED)
def test_public_unicast_addresses_are_allowed(address):
    assert address_refusal(ipaddress.ip_address(address)) is None


def fake_resolver(table):
    def resolve(host, port):
        return table[host]
    return resolve


def test_a_name_is_refused_if_any_of_its_addresses_is_private():
    resolver = fake_resolver({"media.example": ["93.184.215.14", "10.0.0.7"]})
    with pytest.raises(InputFetchError, match="10.0.0.7, a private address"):
        vetted_addresses("media.example", 443, FetchRules(), "video_url", resolver)


def test_a_name_whose_addresses_are_all_public_passes():
    resolver = fake_resolver({"media.example": ["93.184.215.14", "2606:4700:4700::1111"]})
    assert vetted_addresses("media.example", 443, FetchRules(), "video_url", resolver) == [
        "93.184.215.14", "2606:4700:4700::1111"]


def test_an_ip_literal_host_is_checked_without_resolving():
    def no_dns(host, port):
        raise AssertionError("must not resolve an IP literal")
    with pytest.raises(InputFetchError, match="loopback"):
        vetted_addresses("127.0.0.1", 80, FetchRules(), "video_url", no_dns)


def test_the_allow_list_admits_hosts_by_name_and_by_network():
    resolver = fake_resolver({"media.internal": ["10.0.0.7"], "other.internal": ["10.9.9.9"]})
    by_name = FetchRules(allow_hosts=("media.internal",))
    assert vetted_addresses("media.internal", 80, by_name, "f", resolver) == ["10.0.0.7"]
    by_net = FetchRules(allow_hosts=("10.0.0.0/24",))
    assert vetted_addresses("media.internal", 80, by_net, "f", resolver) == ["10.0.0.7"]
    with pytest.raises(InputFetchError):
        vetted_addresses("other.internal", 80, by_net, "f", resolver)


def test_an_unresolvable_name_is_a_clear_error():
    def fail(host, port):
        raise OSError("Name or service not known")
    with pytest.raises(InputFetchError, match="could not be resolved"):
        vetted_addresses("nowhere.invalid", 80, FetchRules(), "audioSrc", fail)


@pytest.mark.parametrize("url,words", [
    ("https://example.com/a file.mp4", "spaces"),
    ("ftp://example.com/a.mp4", "http://"),
    ("file:///etc/passwd", "http://"),
    ("https:///nohost", "no host"),
    ("https://user:pw@example.com/a.mp4", "password"),
    ("https://example.com:99999/a.mp4", "port"),
    ("https://example.com/" + "a" * 2100, "2048"),
])
def test_bad_url_syntax_is_refused_with_the_field_named(url, words):
    with pytest.raises(InputFetchError) as err:
        check_url(url, "video_url")
    assert err.value.message.startswith("video_url:") and words in err.value.message


# ---- against a real server on 127.0.0.1, allowed explicitly ------------------------------------

class _Media(BaseHTTPRequestHandler):
    requests_seen = 0

    def do_GET(self):  # noqa: N802
        type(self).requests_seen += 1
        path = self.path
        if path == "/clip.mp4":
            self._send(200, "video/mp4", b"\x00" * 5000)
        elif path == "/page.mp4":
            self._send(200, "text/html; charset=utf-8", b"<html>not a video</html>")
        elif path == "/moved":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1/elsewhere.mp4")
            self.end_headers()
        elif path == "/big.mp4":
            self._send(200, "video/mp4", b"\x00" * 50_000)
        elif path == "/liar.mp4":  # says it is small, sends more
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.end_headers()
            self.wfile.write(b"\x00" * 50_000)
        elif path == "/slow.mp4":
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"\x00")
            self.wfile.flush()
            time.sleep(3)
        elif path == "/trickle.mp4":
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.end_headers()
            for _ in range(10):
                self.wfile.write(b"\x00")
                self.wfile.flush()
                time.sleep(0.3)
        elif path == "/missing.mp4":
            self._send(404, "text/plain", b"nope")

    def _send(self, status, ctype, body):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def media_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Media)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


LOCAL = FetchRules(allow_hosts=("127.0.0.1",), max_bytes=20_000, timeout_seconds=1.0, connect_timeout_seconds=1.0)


def test_a_video_is_fetched_and_its_type_read_from_the_content_type(media_server, tmp_path):
    got = fetch_to_file(f"{media_server}/clip.mp4", tmp_path / "f", LOCAL, field="video_url", accept=["video"])
    assert got.media_type == "video" and got.size == 5000 and (tmp_path / "f").stat().st_size == 5000


def test_the_content_type_not_the_file_name_decides(media_server, tmp_path):
    with pytest.raises(InputFetchError, match="text/html.*expected video"):
        fetch_to_file(f"{media_server}/page.mp4", tmp_path / "f", LOCAL, field="video_url", accept=["video"])
    assert not (tmp_path / "f").exists()


def test_redirects_are_refused_and_the_target_is_named(media_server, tmp_path):
    with pytest.raises(InputFetchError, match="redirects.*elsewhere.mp4"):
        fetch_to_file(f"{media_server}/moved", tmp_path / "f", LOCAL, field="video_url")


def test_a_declared_size_over_the_limit_is_refused_before_reading(media_server, tmp_path):
    with pytest.raises(InputFetchError, match="50000 bytes"):
        fetch_to_file(f"{media_server}/big.mp4", tmp_path / "f", LOCAL, field="video_url")


def test_an_undeclared_size_over_the_limit_is_cut_off(media_server, tmp_path):
    with pytest.raises(InputFetchError, match="larger than 20000"):
        fetch_to_file(f"{media_server}/liar.mp4", tmp_path / "f", LOCAL, field="video_url")
    assert not (tmp_path / "f").exists()


def test_a_server_that_stalls_hits_the_time_limit(media_server, tmp_path):
    started = time.monotonic()
    with pytest.raises(InputFetchError, match="stopped sending|longer than"):
        fetch_to_file(f"{media_server}/slow.mp4", tmp_path / "f", LOCAL, field="video_url")
    assert time.monotonic() - started < 2.5


def test_an_http_error_is_reported(media_server, tmp_path):
    with pytest.raises(InputFetchError, match="HTTP 404"):
        fetch_to_file(f"{media_server}/missing.mp4", tmp_path / "f", LOCAL, field="video_url")


def test_loopback_is_refused_by_default_without_sending_anything(media_server, tmp_path):
    _Media.requests_seen = 0
    with pytest.raises(InputFetchError, match="loopback"):
        fetch_to_file(f"{media_server}/clip.mp4", tmp_path / "f", FetchRules(), field="video_url")
    assert _Media.requests_seen == 0


def test_a_server_that_trickles_bytes_is_cut_off_at_the_total_time_limit(media_server, tmp_path):
    started = time.monotonic()
    with pytest.raises(InputFetchError, match="longer than 1 s"):
        fetch_to_file(f"{media_server}/trickle.mp4", tmp_path / "f", LOCAL, field="video_url")
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize("url", ["http://[::1/a.mp3", "http://[zz]/x.mp4"])
def test_a_url_whose_host_cannot_be_read_is_refused_naming_the_field(url):
    with pytest.raises(InputFetchError) as caught:
        check_url(url, "audioSrc")
    assert caught.value.field == "audioSrc" and "not a valid URL" in caught.value.message
