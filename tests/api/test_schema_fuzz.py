"""Schemathesis against the app's own /openapi.json: every operation, as a normal user with an sk_
token. No answer may be a server error or differ from the schema (status codes, content types, headers,
bodies), a request that breaks the schema must be refused, and nothing of another user's may show
or change.

Generated requests are steered now and then towards what reaches deep: the other user's record ids
where a record is named (they must answer as missing ones do), real voices, and signed links to the
caller's own stored media where a URL is asked for (read from the store, never fetched).

Bounded for CI (the suite runs twice, on SQLite and on PostgreSQL): VIDEOTWIN_FUZZ_EXAMPLES cases per
operation and generation mode (default 8, about half a minute here), from a fixed seed so a run can
be repeated. No worker runs, and the network is closed to all but this machine (tests.support.network):
nothing a generated URL names is ever contacted."""

from __future__ import annotations

import os
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.core.failures import FailureGroup  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import Account, make_account  # noqa: E402
from tests.support.fixtures import fixture  # noqa: E402
from tests.support.network import loopback_only  # noqa: E402
from videotwin.app import create_app  # noqa: E402
from videotwin.domain import accounts, backgrounds  # noqa: E402
from videotwin.speech import voices  # noqa: E402

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("VIDEOTWIN_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
MODES = ((GenerationMode.POSITIVE, CHECKS), (GenerationMode.NEGATIVE, [*CHECKS, negative_data_rejection]))
# Where a request names a record: these get the other user's ids now and then.
ID_FIELDS = {"_id", "id", "task_id", "anchor_id", "custom_back_id", "back_id", "user_voice_id",
             "user_video_twin_id", "video_id", "record_id", "job_id", "voice_id", "ids"}
URL_FIELDS = {"video_url": "video", "image_url": "image", "img_url": "image", "video_background_image": "image",
              "audioSrc": "audio", "url": "audio", "voice_urls": "audio"}
VOICE_FIELDS = {"tts_id", "custom_voice"}
# Fields of which a request gives exactly one: a steered request keeps the first.
ONE_OF = (("tts_id", "user_voice_id"), ("video_url", "image_url"), ("audioSrc", "msg"), ("back_id", "custom_back_id"))
MEDIA = {"video": ("video/v05_woman_bluebg.mp4", "video/mp4"), "image": ("image/i05_man_grey_bg.jpg", "image/jpeg"),
         "audio": ("audio/a08_en_f5_nature.wav", "audio/wav")}
STEER_CHANCE = 0.5
FAILURES_SHOWN = 40


@dataclass
class Others:
    """The other user: their ids are mixed into requests; their marker must never show."""

    account: Account
    ids: list[str]
    marker: str


@dataclass
class Steering:
    ids: list[str]
    urls: dict[str, str]
    voices: list[str] = field(default_factory=lambda: [v.id for v in voices.VOICES[:3]])


def _store(runtime, account: Account, kind: str) -> str:
    name, content_type = MEDIA[kind]
    key = f"users/{account.id}/uploads/{kind}{name[name.rindex('.'):]}"
    runtime.blobs.put_file(key, fixture(name), content_type)
    return runtime.url_for(key)


def _other_users_records(client, runtime) -> Others:
    bob = make_account(runtime, "bob-fuzz", coins=100_000, diamonds=10)
    marker = f"bob-private-{secrets.token_hex(6)}"
    with runtime.db.write() as session:
        token = accounts.create_api_token(session, bob.id, marker).token
    background = backgrounds.add(runtime, bob.id, _store(runtime, bob, "image"))
    twin = client.post("/api/v1/userVideoTwin/startTraining", headers=bob.headers,
                       json={"name": marker, "video_url": _store(runtime, bob, "video")}).json()["data"]
    voice = client.post("/api/v1/userVoice/training", headers=bob.headers,
                        json={"name": marker, "voice_urls": [_store(runtime, bob, "audio")]}).json()["data"]
    return Others(bob, [token.id, background.id, twin["_id"], twin["anchor_id"] or twin["_id"], voice["_id"]],
                  marker)


def _state_of(client, others: Others) -> dict:
    """What the other user has: it must be the same after the run (nothing deleted, renamed, spent)."""
    headers = others.account.headers

    def data(resp):
        assert resp.status_code == 200, resp.text
        return resp.json()["data"]

    def kept(record: dict) -> dict:
        return {k: v for k, v in record.items() if k in ("name", "current_status", "coins", "hasRefundCoin")}

    _token, _background, twin, _anchor, voice = others.ids
    return {
        "balances": data(client.get("/api/v1/user/remainingCoins", headers=headers)),
        "tokens": sorted(t["_id"] for t in data(client.get("/api/v1/token/list", headers=headers))),
        "backgrounds": [b["_id"] for b in data(client.post("/api/v1/custom_back/list", headers=headers))],
        "twin": kept(data(client.get(f"/api/v1/userVideoTwin/{twin}", headers=headers))),
        "voice": kept(data(client.get(f"/api/v1/userVoice/{voice}", headers=headers))),
    }


def _body_fields(operation) -> set[str]:
    return {name for body in operation.body for name in body.optimized_schema.get("properties", {})}


def _steer(case, rnd, steering: Steering, body_fields: set[str]) -> None:
    """Now and then put a value that reaches deep where the generated request has one of these fields
    (and, of two fields a request gives exactly one of, the first, where the body has it)."""
    def value_for(name: str, value):
        if name in ID_FIELDS:
            chosen = rnd.choice(steering.ids)
        elif name in URL_FIELDS:
            chosen = steering.urls[URL_FIELDS[name]]
        elif name in VOICE_FIELDS:
            chosen = rnd.choice(steering.voices)
        else:
            return value
        return [chosen] if isinstance(value, list) else chosen

    for container in (case.path_parameters, case.query, case.body):
        if not isinstance(container, dict):
            continue
        for name in list(container):
            if rnd.random() < STEER_CHANCE:
                container[name] = value_for(name, container[name])
        for first, second in ONE_OF:
            if container is case.body and first in body_fields and rnd.random() < STEER_CHANCE:
                container[first] = value_for(first, container.get(first))
                container.pop(second, None)


def test_every_operation_answers_as_its_schema_says(client, runtime):
    alice = make_account(runtime, "alice-fuzz", coins=1_000, diamonds=2)
    others = _other_users_records(client, runtime)
    before = _state_of(client, others)
    steering = Steering(ids=others.ids, urls={kind: _store(runtime, alice, kind) for kind in MEDIA})

    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(runtime))
    schema.config.update(headers=alice.headers)  # every request is Alice's, so no case drops her token
    failures: dict[str, list[str]] = defaultdict(list)
    with loopback_only():
        for result in schema.get_all_operations():
            for mode, checks in MODES:
                _fuzz(result.ok(), mode, checks, others, steering, failures)

    report = [f"{label}: {msg}" for label, msgs in failures.items() for msg in msgs[:2]]
    assert not failures, f"{len(failures)} operations failed:\n" + "\n\n".join(report[:FAILURES_SHOWN])
    assert _state_of(client, others) == before


def _fuzz(operation, mode: GenerationMode, checks, others: Others, steering: Steering, failures) -> None:
    label = f"{operation.label} [{mode.value}]"
    body_fields = _body_fields(operation)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode), rnd=st.randoms(use_true_random=False))
    def run(case, rnd):
        if mode is GenerationMode.POSITIVE:  # a negative case stays as generated, to stay negative
            _steer(case, rnd, steering, body_fields)
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
        assert mode is GenerationMode.NEGATIVE, f"{label}: no request could be generated"  # nothing to negate
