"""The credits ledger: two balances per user, every change recorded in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from videotwin.db.tables import CreditEntryRow, UserRow
from videotwin.errors import BadInput, InsufficientCredits, NotFound
from videotwin.ids import new_id, utcnow

Currency = Literal["coins", "diamonds"]
CURRENCIES: tuple[Currency, ...] = ("coins", "diamonds")
# Reasons a balance changes; spending is negative, everything else positive.
GRANT, SPEND, REFUND, EXCHANGE = "grant", "spend", "refund", "exchange"


@dataclass(frozen=True)
class CreditEntry:
    id: str
    user_id: str
    currency: str
    amount: int
    balance_after: int
    reason: str
    job_id: str | None
    note: str
    created_at: datetime


@dataclass(frozen=True)
class Balances:
    coins: int
    diamonds: int


def _column(currency: str):
    if currency not in CURRENCIES:
        raise ValueError(f"unknown currency {currency!r}")
    return getattr(UserRow, currency)


def _record(session: Session, user_id: str, currency: str, amount: int, balance: int, reason: str,
            job_id: str | None, note: str) -> CreditEntry:
    row = CreditEntryRow(
        id=new_id(), user_id=user_id, currency=currency, amount=amount, balance_after=balance,
        reason=reason, job_id=job_id, note=note[:255], created_at=utcnow(),
    )
    session.add(row)
    return _entry(row)


def _entry(row: CreditEntryRow) -> CreditEntry:
    return CreditEntry(row.id, row.user_id, row.currency, row.amount, row.balance_after, row.reason,
                       row.job_id, row.note, row.created_at)


def grant(session: Session, user_id: str, currency: str, amount: int, *, reason: str = GRANT,
          job_id: str | None = None, note: str = "") -> CreditEntry:
    if amount <= 0:
        raise BadInput(currency, f"must be a positive whole number, got {amount}")
    col = _column(currency)
    balance = session.scalar(
        update(UserRow).where(UserRow.id == user_id).values({col: col + amount}).returning(col)
    )
    if balance is None:
        raise NotFound(f"user {user_id!r} does not exist")
    return _record(session, user_id, currency, amount, balance, reason, job_id, note)


def spend(session: Session, user_id: str, currency: str, amount: int, *, job_id: str | None = None,
          note: str = "", reason: str = SPEND) -> CreditEntry:
    """Take `amount` from the balance, or raise InsufficientCredits and change nothing.

    The check and the decrement are one conditional UPDATE, so concurrent spending can never
    overdraw, on SQLite and on Postgres alike.
    """
    if amount <= 0:
        raise BadInput(currency, f"must be a positive whole number, got {amount}")
    col = _column(currency)
    balance = session.scalar(
        update(UserRow)
        .where(UserRow.id == user_id, col >= amount)
        .values({col: col - amount})
        .returning(col)
    )
    if balance is None:
        have = session.scalar(select(col).where(UserRow.id == user_id))
        if have is None:
            raise NotFound(f"user {user_id!r} does not exist")
        raise InsufficientCredits(f"this costs {amount} {currency}; the balance is {have} {currency}")
    return _record(session, user_id, currency, -amount, balance, reason, job_id, note)


def balances(session: Session, user_id: str) -> Balances:
    row = session.get(UserRow, user_id)
    if row is None:
        raise NotFound(f"user {user_id!r} does not exist")
    return Balances(row.coins, row.diamonds)


def exchange_diamonds(session: Session, user_id: str, diamonds: int, coins_per_diamond: int) -> Balances:
    """Buy diamonds with coins at the operator's rate, as one transaction of two ledger entries."""
    if diamonds <= 0:
        raise BadInput("diamonds", f"must be a positive whole number, got {diamonds}")
    spend(session, user_id, "coins", diamonds * coins_per_diamond, reason=EXCHANGE,
          note=f"bought {diamonds} diamonds")
    grant(session, user_id, "diamonds", diamonds, reason=EXCHANGE,
          note=f"paid {diamonds * coins_per_diamond} coins")
    session.expire_all()
    return balances(session, user_id)


def history(session: Session, user_id: str, *, page: int, page_size: int, consumption: bool | None,
            start: datetime | None, end: datetime | None) -> tuple[list[CreditEntry], int]:
    """Ledger entries, newest first. consumption=True: only spending; False: only additions."""
    conds = [CreditEntryRow.user_id == user_id]
    if consumption is True:
        conds.append(CreditEntryRow.amount < 0)
    elif consumption is False:
        conds.append(CreditEntryRow.amount > 0)
    if start is not None:
        conds.append(CreditEntryRow.created_at >= start)
    if end is not None:
        conds.append(CreditEntryRow.created_at < end)
    total = session.scalar(select(func.count()).select_from(CreditEntryRow).where(*conds)) or 0
    rows = session.scalars(
        select(CreditEntryRow).where(*conds)
        .order_by(CreditEntryRow.created_at.desc(), CreditEntryRow.id.desc())
        .offset((page - 1) * page_size).limit(page_size)
    )
    return [_entry(r) for r in rows], total


def entries_for_job(session: Session, job_id: str) -> list[CreditEntry]:
    rows = session.scalars(select(CreditEntryRow).where(CreditEntryRow.job_id == job_id)
                           .order_by(CreditEntryRow.created_at, CreditEntryRow.id))
    return [_entry(r) for r in rows]
