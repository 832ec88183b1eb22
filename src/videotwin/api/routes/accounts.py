"""Login, API tokens, users and credits."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from videotwin.api.deps import AdminDep, PrincipalDep, RuntimeDep, run_slow
from videotwin.api.envelope import Envelope, ok
from videotwin.api.openapi import may_answer
from videotwin.domain import accounts, credits
from videotwin.errors import BadInput
from videotwin.ids import whole_number
from videotwin.runtime import Runtime
from videotwin.wire.accounts import (
    BalancesOut,
    CreditEntryOut,
    ExchangeBody,
    LoginBody,
    LoginOut,
    TokenDeleteBody,
    TokenGenerateBody,
    TokenOut,
    UserAddBody,
    UserOut,
)
from videotwin.wire.common import DEFAULT_PAGE_SIZE, Page, PageNum, PageSize, iso
from videotwin.wire.presenters import credit_entry_out, token_out, user_out

router = APIRouter(tags=["accounts and credits"])


def _login(runtime: Runtime, username: str, password: str) -> tuple[accounts.IssuedToken, accounts.User]:
    with runtime.db.write() as session:
        issued = accounts.login(session, username, password, runtime.settings.login_token_ttl_seconds)
        return issued, accounts.get_user(session, issued.token.user_id)


@router.post("/api/login/account", response_model=Envelope[LoginOut], responses=may_answer(401))
async def login(request: Request, body: LoginBody, runtime: RuntimeDep):
    """Log in with username and password; the token it returns manages API tokens."""
    issued, user = await run_slow(request, _login, runtime, body.username, body.password)
    return ok(request, LoginOut(token=issued.plaintext, id=user.id, username=user.username,
                                expiresAt=iso(issued.token.expires_at)))


@router.post("/api/v1/token/generate", response_model=Envelope[TokenOut])
def token_generate(request: Request, body: TokenGenerateBody, runtime: RuntimeDep, me: PrincipalDep):
    """Create an sk_ API token. Its full text is shown this once."""
    with runtime.db.write() as session:
        issued = accounts.create_api_token(session, me.user.id, body.alias)
    return ok(request, token_out(issued.token, issued.plaintext))


@router.get("/api/v1/token/list", response_model=Envelope[list[TokenOut]])
def token_list(request: Request, runtime: RuntimeDep, me: PrincipalDep):
    """Your API tokens, newest first, masked."""
    with runtime.db.read() as session:
        tokens = accounts.list_api_tokens(session, me.user.id)
    return ok(request, [token_out(t) for t in tokens])


@router.post("/api/v1/token/delete", response_model=Envelope[dict], responses=may_answer(404))
def token_delete(request: Request, body: TokenDeleteBody, runtime: RuntimeDep, me: PrincipalDep):
    """Delete an API token; it is refused on every endpoint from now on."""
    with runtime.db.write() as session:
        accounts.delete_api_token(session, me.user.id, body.id)
    return ok(request, {})


@router.post("/api/v1/user/add", response_model=Envelope[UserOut], responses=may_answer(409))
def user_add(request: Request, body: UserAddBody, runtime: RuntimeDep, admin: AdminDep):
    """(Administrators) create a user with starting coins and diamonds."""
    password = body.password or secrets.token_urlsafe(12)
    with runtime.db.write() as session:
        user = accounts.create_user(session, body.username, password, coins=body.coins, diamonds=body.diamonds,
                                    note=f"starting balance, granted by {admin.user.username}")
    return ok(request, user_out(user, None if body.password else password))


@router.get("/api/v1/user/remainingCoins", response_model=Envelope[BalancesOut])
def remaining_coins(request: Request, runtime: RuntimeDep, me: PrincipalDep):
    """Both balances."""
    with runtime.db.read() as session:
        b = credits.balances(session, me.user.id)
    return ok(request, BalancesOut(coins=b.coins, diamonds=b.diamonds))


@router.post("/api/v1/user/exchangeDiamonds", response_model=Envelope[BalancesOut], responses=may_answer(402))
def exchange_diamonds(request: Request, body: ExchangeBody, runtime: RuntimeDep, me: PrincipalDep):
    """Buy diamonds with coins at the operator's rate (VIDEOTWIN_PRICES__COINS_PER_DIAMOND)."""
    with runtime.db.write() as session:
        b = credits.exchange_diamonds(session, me.user.id, body.diamonds, runtime.settings.prices.coins_per_diamond)
    return ok(request, BalancesOut(coins=b.coins, diamonds=b.diamonds))


def _parse_date(field: str, value: str | None, end: bool) -> datetime | None:
    """YYYY-MM-DD (a whole day; an end date includes that day), ISO 8601, or epoch milliseconds."""
    if value is None or value == "":
        return None
    text = value.strip()
    try:
        millis = whole_number(text)
        if millis is not None:
            return datetime.fromtimestamp(millis / 1000, UTC)
        if len(text) == 10:
            day = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
            return day + timedelta(days=1) if end else day
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):  # the last two: epoch milliseconds past year 9999
        raise BadInput(field, f"{value!r} is not a date; use YYYY-MM-DD, ISO 8601 or epoch milliseconds") from None


@router.get("/api/v1/transactionRecord/creditsHistory", response_model=Envelope[Page[CreditEntryOut]])
def credits_history(
    request: Request, runtime: RuntimeDep, me: PrincipalDep,
    pageNum: Annotated[PageNum, Query()] = 1,
    pageSize: Annotated[PageSize, Query()] = DEFAULT_PAGE_SIZE,
    is_consumption: Annotated[bool | None, Query(description="true: only spending; false: only additions")] = None,
    startDate: Annotated[str | None, Query(description="from this date (YYYY-MM-DD, ISO 8601 or epoch ms)")] = None,
    endDate: Annotated[str | None, Query(description="up to and including this date")] = None,
):
    """The ledger: grants and refunds positive, spending negative, newest first."""
    start = _parse_date("startDate", startDate, end=False)
    end = _parse_date("endDate", endDate, end=True)
    if start and end and start >= end:
        raise BadInput("endDate", f"{endDate!r} is not after startDate {startDate!r}")
    with runtime.db.read() as session:
        entries, total = credits.history(session, me.user.id, page=pageNum, page_size=pageSize,
                                         consumption=is_consumption, start=start, end=end)
    return ok(request, Page[CreditEntryOut].of([credit_entry_out(e) for e in entries], total, pageNum, pageSize))
