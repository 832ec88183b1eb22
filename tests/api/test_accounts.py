"""Login, tokens, users, balances, the diamond exchange and the credit history, over HTTP."""

from __future__ import annotations

import os
import stat

import pytest

from tests.api.test_wire_format import assert_error


def test_first_start_writes_an_admin_token_file_readable_only_by_its_owner(runtime, client):
    path = runtime.settings.admin_token_path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    token = path.read_text().strip()
    assert token.startswith("sk_")
    assert client.get("/api/v1/user/remainingCoins", headers={"Authorization": f"Bearer {token}"}).json()["code"] == 0


def test_login_returns_a_token_that_manages_api_tokens(client, alice):
    resp = client.post("/api/login/account", json={"username": "alice", "password": alice.password})
    login = resp.json()["data"]
    assert resp.status_code == 200 and login["username"] == "alice" and login["_id"] == alice.id
    bearer = {"Authorization": f"Bearer {login['token']}"}
    made = client.post("/api/v1/token/generate", json={"alias": "ci"}, headers=bearer).json()["data"]
    assert made["token"].startswith("sk_") and len(made["_id"]) == 24
    listed = client.get("/api/v1/token/list", headers=bearer).json()["data"]
    assert [t["alias"] for t in listed] == ["ci", "test"]
    assert all(made["token"] != t["token"] and "..." in t["token"] for t in listed)


def test_a_wrong_password_is_401_and_does_not_say_which_part_was_wrong(client, alice):
    a = client.post("/api/login/account", json={"username": "alice", "password": "wrong-password"})
    b = client.post("/api/login/account", json={"username": "nobody", "password": "wrong-password"})
    assert_error(a, 401, 10002)
    assert a.json()["msg"] == b.json()["msg"]


def test_a_deleted_token_is_refused_at_once(client, alice):
    made = client.post("/api/v1/token/generate", json={"alias": "temp"}, headers=alice.headers).json()["data"]
    temp = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/v1/user/remainingCoins", headers=temp).status_code == 200
    resp = client.post("/api/v1/token/delete", json={"_id": made["_id"]}, headers=alice.headers)
    assert resp.json() == {"code": 0, "data": {}, "trace_id": resp.json()["trace_id"]}
    assert_error(client.get("/api/v1/user/remainingCoins", headers=temp), 401, 10002, "deleted")
    assert_error(client.get("/api/v1/token/list", headers=temp), 401)


def test_token_delete_accepts_id_and_task_id_spellings(client, alice):
    for spelling in ("id", "task_id"):
        made = client.post("/api/v1/token/generate", json={"alias": spelling}, headers=alice.headers).json()["data"]
        resp = client.post("/api/v1/token/delete", json={spelling: made["_id"]}, headers=alice.headers)
        assert resp.json()["code"] == 0


def test_user_add_is_for_admins_and_sets_starting_balances(client, alice, admin_token):
    resp = client.post("/api/v1/user/add", json={"username": "dave", "password": "longenough1", "coins": 50},
                       headers=alice.headers)
    assert_error(resp, 403, 10003, "administrators")
    admin = {"Authorization": f"Bearer {admin_token}"}
    made = client.post("/api/v1/user/add", json={"username": "dave", "password": "longenough1", "coins": 50,
                                                 "diamonds": 2}, headers=admin).json()["data"]
    assert made["coins"] == 50 and made["diamonds"] == 2 and made["password"] is None
    login = client.post("/api/login/account", json={"username": "dave", "password": "longenough1"}).json()["data"]
    me = {"Authorization": f"Bearer {login['token']}"}
    assert client.get("/api/v1/user/remainingCoins", headers=me).json()["data"] == {"coins": 50, "diamonds": 2}
    again = client.post("/api/v1/user/add", json={"username": "dave", "password": "longenough1"}, headers=admin)
    assert_error(again, 409, None, "taken")
    weak = client.post("/api/v1/user/add", json={"username": "erin", "password": "short"}, headers=admin)
    assert_error(weak, 400, 10001, "password", "8")


def test_exchanging_diamonds_moves_coins_at_the_configured_rate(client, alice, settings):
    rate = settings.prices.coins_per_diamond
    resp = client.post("/api/v1/user/exchangeDiamonds", json={"diamonds": 3}, headers=alice.headers)
    assert resp.json()["data"] == {"coins": 1000 - 3 * rate, "diamonds": 8}
    too_many = client.post("/api/v1/user/exchangeDiamonds", json={"diamonds": 100}, headers=alice.headers)
    assert_error(too_many, 402, 10005, "costs", "balance")
    assert client.get("/api/v1/user/remainingCoins", headers=alice.headers).json()["data"]["diamonds"] == 8


def test_credit_history_lists_grants_positive_and_spending_negative_newest_first(client, alice):
    client.post("/api/v1/user/exchangeDiamonds", json={"diamonds": 1}, headers=alice.headers)
    page = client.get("/api/v1/transactionRecord/creditsHistory", headers=alice.headers).json()["data"]
    assert page["total"] == 4 and page["pageNum"] == 1 and page["pageSize"] == 10
    amounts = [(e["currency"], e["amount"], e["type"]) for e in page["data"]]
    assert amounts == [("diamonds", 1, "exchange"), ("coins", -100, "exchange"),
                       ("diamonds", 5, "grant"), ("coins", 1000, "grant")]
    assert page["data"][1]["is_consumption"] is True and page["data"][1]["balance"] == 900
    spent = client.get("/api/v1/transactionRecord/creditsHistory?is_consumption=true",
                       headers=alice.headers).json()["data"]
    assert [e["amount"] for e in spent["data"]] == [-100]
    second = client.get("/api/v1/transactionRecord/creditsHistory?pageNum=2&pageSize=3",
                        headers=alice.headers).json()["data"]
    assert second["total"] == 4 and [e["amount"] for e in second["data"]] == [1000]


def test_credit_history_filters_by_date(client, alice):
    url = "/api/v1/transactionRecord/creditsHistory"
    today = client.get(url, headers=alice.headers).json()["data"]["data"][0]["createdAt"][:10]
    inside = client.get(f"{url}?startDate={today}&endDate={today}", headers=alice.headers).json()["data"]
    assert inside["total"] == 2
    before = client.get(f"{url}?endDate=2001-01-01", headers=alice.headers).json()["data"]
    assert before["total"] == 0
    assert_error(client.get(f"{url}?startDate=yesterday", headers=alice.headers), 400, 10001, "startDate")


@pytest.mark.parametrize("value", ["%C2%B3", "9" * 30, "9" * 400])
def test_a_date_in_odd_digits_or_past_year_9999_is_a_400_naming_it(client, alice, value):
    """'³' passes str.isdigit() but not int(); 30 nines of milliseconds overflow the platform's clock."""
    url = f"/api/v1/transactionRecord/creditsHistory?startDate={value}"
    assert_error(client.get(url, headers=alice.headers), 400, 10001, "startDate")
