"""Schemathesis against the app's own /openapi.json: every operation, as a normal user with an sk_
token, with another user's record ids mixed into the generated ids. No answer may be a server error
or differ from the schema (status codes, content types, bodies), and nothing of the other user's
may show or change.

Bounded for CI (the suite runs twice, on SQLite and on PostgreSQL): VIDEOTWIN_FUZZ_EXAMPLES cases
per operation and generation mode (default 8) and a deterministic seed, so a run is repeatable.
No worker runs here and the network is closed to everything but this machine (tests.support.network),
so the URLs the fuzzer makes up are never fetched."""

from __future__ import annotations

import os
import secrets
from collections import defaultdict
from dataclasses import dataclass

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.core.failures import FailureGroup  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import make_account  # noqa: E402
from tests.support.fixtures import fixture  # noqa: E402
from tests.support.network import loopback_only  # noqa: E402
from videotwin.app import create_app  # noqa: E402
from videotwin.domain import accounts, backgrounds  # noqa: E402

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("VIDEOTWIN_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]
# Where a generated request names a record: these get the other user's ids now and then.
ID_FIELDS = {"_id", "id", "task_id", "anchor_id", "custom_back_id", "back_id", "user_voice_id",
             "user_video_twin_id", "video_id", "custom_voice", "record_id", "job_id", "voice_id"}
FAILURES_SHOWN = 40


@dataclass
class Others:
    """The other user's records: their ids are mixed into requests; their marker must never show."""

    headers: dict[str, str]
    ids: list[str]
    marker: str


def _other_users_records(client, runtime) -> Others:
    bob = make_account(runtime, "bob-fuzz", coins=100_000, diamonds=10)
    marker = f"bob-private-{secrets.token_hex(6)}"
    with runtime.db.write() as session:
        token = accounts.create_api_token(session, bob.id, marker).token
    image = f"users/{bob.id}/uploads/bg.jpg"
    runtime.blobs.put_file(image, fixture("image/i05_man_grey_bg.jpg"), "image/jpeg")
    background = backgrounds.add(runtime, bob.id, runtime.url_for(image))
    video = f"users/{bob.id}/uploads/me.mp4"
    runtime.blobs.put_file(video, fixture("video/v05_woman_bluebg.mp4"), "video/mp4")
    twin = client.post("/api/v1/userVideoTwin/startTraining", headers=bob.headers,
                       json={"name": marker, "video_url": runtime.url_for(video)}).json()["data"]
    audio = f"users/{bob.id}/uploads/voice.wav"
    runtime.blobs.put_file(audio, fixture("audio/a08_en_f5_nature.wav"), "audio/wav")
    voice = client.post("/api/v1/userVoice/training", headers=bob.headers,
                        json={"name": marker, "voice_urls": [runtime.url_for(audio)]}).json()["data"]
    return Others(bob.headers, [token.id, background.id, twin["_id"], voice["_id"]], marker)


def _mix_in(case, other_id: str) -> None:
    """Put the other user's id where the generated request names a record."""
    if case.path_parameters:
        for name in case.path_parameters:
            if name in ID_FIELDS:
                case.path_parameters[name] = other_id
    if isinstance(case.query, dict):
        for name in case.query:
            if name in ID_FIELDS:
                case.query[name] = other_id
    if isinstance(case.body, dict):
        for name in list(case.body):
            if name in ID_FIELDS:
                case.body[name] = other_id
            elif name == "ids":
                case.body[name] = [other_id]


def _state_of(client, others: Others) -> dict:
    """What the other user has: it must be the same after the run (nothing deleted, renamed, spent)."""
    def data(resp):
        assert resp.status_code == 200, resp.text
        return resp.json()["data"]

    token, background, twin, voice = others.ids
    return {
        "balances": data(client.get("/api/v1/user/remainingCoins", headers=others.headers)),
        "tokens": sorted(t["_id"] for t in data(client.get("/api/v1/token/list", headers=others.headers))),
        "backgrounds": [b["_id"] for b in data(client.post("/api/v1/custom_back/list", headers=others.headers))],
        "twin": {k: v for k, v in data(client.get(f"/api/v1/userVideoTwin/{twin}", headers=others.headers)).items()
                 if k in ("name", "current_status", "coins", "hasRefundCoin")},
        "voice": {k: v for k, v in data(client.get(f"/api/v1/userVoice/{voice}", headers=others.headers)).items()
                  if k in ("name", "current_status", "coins", "hasRefundCoin")},
    }


def test_every_operation_answers_as_its_schema_says(client, runtime):
    alice = make_account(runtime, "alice-fuzz", coins=1_000, diamonds=2)
    others = _other_users_records(client, runtime)
    before = _state_of(client, others)

    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(runtime))
    schema.config.update(headers=alice.headers)  # every request is Alice's, so no case drops her token
    failures: dict[str, list[str]] = defaultdict(list)
    with loopback_only():
        for result in schema.get_all_operations():
            for mode, checks in (("positive", CHECKS), ("negative", NEGATIVE_CHECKS)):
                _fuzz(result.ok(), mode, checks, others, failures)

    report = [f"{label}: {msg}" for label, msgs in failures.items() for msg in msgs[:2]]
    assert not failures, f"{len(failures)} operations failed:\n" + "\n\n".join(report[:FAILURES_SHOWN])
    assert _state_of(client, others) == before


def _fuzz(operation, mode: str, checks, others: Others, failures) -> None:
    from schemathesis import GenerationMode

    generation = GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE
    label = f"{operation.label} [{mode}]"

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=generation),
           other=st.one_of(st.none(), st.sampled_from(others.ids)))
    def run(case, other):
        if other is not None and mode == "positive":  # a negative case stays as generated
            _mix_in(case, other)
        try:
            response = case.call()
            case.validate_response(response, checks=checks)
        except FailureGroup as group:
            failures[label].append(str(group)[:1500])
            return
        except Exception as exc:  # noqa: BLE001 - the app raised: a server error, reported with the others
            failures[label].append(f"server error {type(exc).__name__}: {exc}\n{case.as_curl_command()}")
            return
        if others.marker in response.text:
            failures[label].append(f"shows the other user's record: {response.text[:500]}")

    try:
        run()
    except Unsatisfiable:
        assert mode == "negative", f"{label}: no request could be generated"  # nothing to negate: fine
