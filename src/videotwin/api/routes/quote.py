"""generation/quote: the price of a call before making it."""

from fastapi import APIRouter, Request

from videotwin.api.deps import PrincipalDep, RuntimeDep, run_slow
from videotwin.api.envelope import Envelope, ok
from videotwin.api.openapi import may_answer
from videotwin.families.quote import quote
from videotwin.wire.quote import QuoteBody, QuoteOut

router = APIRouter(tags=["credits"])


# 409: the group admits one at a time (a voice training, a lip-sync training); 503: pricing a video
# from a text detects its language on the model server, as the call would.
@router.post("/api/v1/generation/quote", response_model=Envelope[QuoteOut], responses=may_answer(409, 503))
async def generation_quote(request: Request, body: QuoteBody, runtime: RuntimeDep, me: PrincipalDep):
    """What `endpoint` would cost with `requestBody`: the body is checked as that endpoint checks it
    (a bad one is refused naming requestBody.<field>); nothing is recorded or charged."""
    q = await run_slow(request, quote, runtime, me.user.id, body.endpoint, body.requestBody)
    cost = q.cost
    amount = cost.amount if cost else 0
    have = getattr(q.balance, cost.currency) if cost else 0
    return ok(request, QuoteOut(
        endpoint=q.endpoint, coins=amount if cost and cost.currency == "coins" else 0,
        diamonds=amount if cost and cost.currency == "diamonds" else 0, currency=cost.currency if cost else None,
        amount=amount, enough=cost is None or have >= amount, remaining_coins=q.balance.coins,
        remaining_diamonds=q.balance.diamonds))
