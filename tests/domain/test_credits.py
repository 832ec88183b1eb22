"""The ledger: every balance change has an entry; concurrent spending never overdraws."""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.conftest import make_account
from videotwin.db import Database
from videotwin.db.tables import CreditEntryRow, UserRow
from videotwin.domain import credits
from videotwin.errors import InsufficientCredits


def _spend_many(url: str, user_id: str, times: int, amount: int, out) -> None:
    db = Database(url)
    ok = 0
    for _ in range(times):
        try:
            with db.write() as session:
                credits.spend(session, user_id, "coins", amount, note="race")
            ok += 1
        except InsufficientCredits:
            pass
    out.put(ok)
    db.dispose()


def test_concurrent_spending_from_several_processes_never_overdraws(runtime):
    acct = make_account(runtime, "racer", coins=100)
    out = mp.get_context("spawn").Queue()
    procs = [mp.get_context("spawn").Process(target=_spend_many, args=(runtime.settings.resolved_database_url,
                                                                         acct.id, 20, 3, out)) for _ in range(4)]
    for p in procs:
        p.start()
    succeeded = sum(out.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    with runtime.db.read() as session:
        coins = session.scalar(select(UserRow.coins).where(UserRow.id == acct.id))
        spent = session.scalar(select(func.sum(CreditEntryRow.amount))
                               .where(CreditEntryRow.user_id == acct.id, CreditEntryRow.reason == "spend"))
    assert succeeded == 33 and coins == 1  # 33 x 3 = 99 of 100; every one of the other 47 tries refused
    assert spent == -99


def test_concurrent_http_spending_never_overdraws(client, runtime):
    acct = make_account(runtime, "httpracer", coins=1000)
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda _: client.post("/api/v1/user/exchangeDiamonds", json={"diamonds": 1},
                                                    headers=acct.headers).status_code, range(30)))
    assert codes.count(200) == 10 and codes.count(402) == 20
    assert client.get("/api/v1/user/remainingCoins", headers=acct.headers).json()["data"] == {
        "coins": 0, "diamonds": 10}


def test_every_balance_equals_the_sum_of_its_ledger_entries(runtime):
    acct = make_account(runtime, "ledger", coins=500, diamonds=1)
    with runtime.db.write() as session:
        credits.spend(session, acct.id, "coins", 120)
        credits.exchange_diamonds(session, acct.id, 2, 100)
        credits.grant(session, acct.id, "coins", 7, reason=credits.REFUND)
    with runtime.db.read() as session:
        for currency in ("coins", "diamonds"):
            total = session.scalar(select(func.sum(CreditEntryRow.amount)).where(
                CreditEntryRow.user_id == acct.id, CreditEntryRow.currency == currency))
            assert total == getattr(credits.balances(session, acct.id), currency)


def test_a_failed_transaction_leaves_neither_the_change_nor_its_entry(runtime):
    acct = make_account(runtime, "atomic", coins=50)
    with pytest.raises(RuntimeError), runtime.db.write() as session:
        credits.spend(session, acct.id, "coins", 20)
        raise RuntimeError("the work this paid for failed to be recorded")
    with runtime.db.read() as session:
        assert credits.balances(session, acct.id).coins == 50
        assert len(credits.history(session, acct.id, page=1, page_size=10, consumption=True, start=None,
                                   end=None)[0]) == 0


def test_the_database_itself_refuses_a_negative_balance(runtime):
    from sqlalchemy.exc import IntegrityError

    acct = make_account(runtime, "check", coins=5)
    with pytest.raises(IntegrityError), runtime.db.write() as session:
        session.get(UserRow, acct.id).coins = -1
