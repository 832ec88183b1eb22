"""User A can neither read, list, use nor delete user B's records or files."""

from __future__ import annotations

import re

from tests.api.test_wire_format import assert_error
from tests.storage.test_files_and_uploads import local, presign
from tests.support.plugin import Steps
from videotwin.domain import jobs


def test_tokens_of_another_user_are_neither_listed_nor_deletable(client, alice, bob):
    mine = client.post("/api/v1/token/generate", json={"alias": "alice-ci"}, headers=alice.headers).json()["data"]
    assert all(t["alias"] != "alice-ci" for t in client.get("/api/v1/token/list", headers=bob.headers).json()["data"])
    resp = client.post("/api/v1/token/delete", json={"_id": mine["_id"]}, headers=bob.headers)
    assert_error(resp, 404, 10004)
    still = {"Authorization": f"Bearer {mine['token']}"}
    assert client.get("/api/v1/user/remainingCoins", headers=still).status_code == 200


def test_jobs_of_another_user_look_exactly_like_missing_ones(client, runtime, alice, bob):
    job = jobs.start(runtime, owner_id=alice.id, kind="test.steps", inputs=Steps(), cost=jobs.Cost("coins", 10))
    assert client.get(f"/api/v1/jobs/{job.id}", headers=alice.headers).json()["data"]["status"] == "queued"
    other = client.get(f"/api/v1/jobs/{job.id}", headers=bob.headers)
    missing = client.get("/api/v1/jobs/0123456789abcdef01234567", headers=bob.headers)
    assert_error(other, 404, 10004)
    assert other.json()["msg"].replace(job.id, "X") == missing.json()["msg"].replace("0123456789abcdef01234567", "X")
    assert client.get("/api/v1/jobs", headers=bob.headers).json()["data"]["total"] == 0
    assert_error(client.post(f"/api/v1/jobs/{job.id}/cancel", headers=bob.headers), 404)
    assert client.get(f"/api/v1/jobs/{job.id}", headers=alice.headers).json()["data"]["status"] == "queued"


def test_another_users_credit_history_is_not_visible(client, alice, bob):
    hist = client.get("/api/v1/transactionRecord/creditsHistory", headers=bob.headers).json()["data"]
    assert {e["amount"] for e in hist["data"]} == {1000}


def test_files_are_kept_per_user_and_a_link_cannot_be_bent_to_another_users_file(client, alice, bob):
    a = presign(client, alice, key="same.mp4")
    b = presign(client, bob, key="same.mp4")
    client.put(local(a["url"]), content=b"alice's")
    client.put(local(b["url"]), content=b"bob's")
    assert client.get(local(a["fileUrl"])).content == b"alice's"
    assert client.get(local(b["fileUrl"])).content == b"bob's"
    # Bob takes his own signed link and points it at Alice's file: the signature no longer matches.
    bent = local(b["fileUrl"]).replace(f"users/{bob.id}/", f"users/{alice.id}/")
    assert_error(client.get(bent), 403)
    # Neither can Bob's upload link overwrite Alice's file.
    bent_put = local(b["url"]).replace(f"users/{bob.id}/", f"users/{alice.id}/")
    assert_error(client.put(bent_put, content=b"overwritten"), 403)
    assert client.get(local(a["fileUrl"])).content == b"alice's"


def test_an_api_token_of_one_user_never_acts_as_another(client, alice, bob):
    me = client.get("/api/v1/user/remainingCoins", headers=alice.headers).json()["data"]
    client.post("/api/v1/user/exchangeDiamonds", json={"diamonds": 1}, headers=bob.headers)
    assert client.get("/api/v1/user/remainingCoins", headers=alice.headers).json()["data"] == me


def test_another_users_ids_answer_404_wherever_a_record_is_named(client, runtime, alice, bob):
    from tests.api.test_contract import start_avatar

    twin = start_avatar(client, runtime, alice)
    token = client.post("/api/v1/token/generate", json={"alias": "alice-secret"}, headers=alice.headers).json()["data"]
    theirs = {twin["_id"], token["_id"]}
    schema = client.get("/openapi.json").json()
    checked = 0
    for template, ops in schema["paths"].items():
        if template.startswith("/files/") or template.startswith("/api/v1/anchor/voice_sample/"):
            continue  # signed links to shared files, not a user's records
        for method, op in ops.items():
            body_schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            ref = (body_schema.get("anyOf") or [body_schema])[0].get("$ref", "")
            fields = schema["components"]["schemas"][ref.rsplit("/", 1)[1]].get("properties", {}) if ref else {}
            query = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
            for other_id in theirs:
                if "{" in template:
                    path = re.sub(r"\{[^}]+\}", other_id, template)
                    body, params = {"name": "x"} if method == "put" else None, {}
                elif "_id" in fields:
                    path, body, params = template, {"_id": other_id}, {}
                elif query in (["_id"], ["video_id"]):
                    path, body, params = template, None, {query[0]: other_id}
                else:
                    continue
                resp = client.request(method.upper(), path, json=body, params=params, headers=bob.headers)
                assert_error(resp, 404, 10004)
                checked += 1
    assert checked >= 30
    assert client.get(f"/api/v1/userVideoTwin/{twin['_id']}", headers=alice.headers).status_code == 200
    assert client.get("/api/v1/user/remainingCoins", headers={"Authorization": f"Bearer {token['token']}"}
                      ).status_code == 200
