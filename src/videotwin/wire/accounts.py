"""Wire shapes of login, tokens, users and credits."""

from __future__ import annotations

from pydantic import Field

from videotwin.wire.common import Body, IdIn, IdOut, Out

# A user's starting coins or diamonds, at most: balances are 32-bit integers on PostgreSQL (up to
# 2,147,483,647), and this leaves room for refunds and exchanges on top.
MAX_STARTING_BALANCE = 1_000_000_000


class LoginBody(Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class LoginOut(Out):
    token: str = Field(description="login token; use it as a Bearer token (token management accepts it)")
    id: IdOut
    username: str
    expiresAt: str | None


class TokenGenerateBody(Body):
    alias: str = Field(min_length=1, max_length=128, description="a name to recognise the token by")


class TokenOut(Out):
    id: IdOut
    alias: str
    token: str = Field(description="the full sk_ token on generate; masked in lists")
    createdAt: str | None


class TokenDeleteBody(Body):
    id: IdIn


class UserAddBody(Body):
    username: str = Field(min_length=3, max_length=64)
    password: str | None = Field(default=None, max_length=256,
                                 description="at least 8 characters; one is generated and returned if omitted")
    coins: int = Field(default=0, ge=0, le=MAX_STARTING_BALANCE, description="starting coins")
    diamonds: int = Field(default=0, ge=0, le=MAX_STARTING_BALANCE, description="starting diamonds")


class UserOut(Out):
    id: IdOut
    username: str
    coins: int
    diamonds: int
    createdAt: str | None
    password: str | None = Field(default=None, description="only when the server generated it")


class BalancesOut(Out):
    coins: int
    diamonds: int


class ExchangeBody(Body):
    diamonds: int = Field(ge=1, le=1_000_000, description="how many diamonds to buy with coins")


class CreditEntryOut(Out):
    id: IdOut
    currency: str = Field(description="coins or diamonds")
    amount: int = Field(description="positive for grants and refunds, negative for spending")
    coins: int
    diamonds: int
    balance: int = Field(description="the balance of that currency after this entry")
    type: str = Field(description="grant, spend, refund or exchange")
    is_consumption: bool
    task_id: str | None
    description: str
    createdAt: str | None
