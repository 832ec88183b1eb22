"""generation/quote: what a call would cost, before making it.

The request body is checked exactly as the endpoint itself would check it (its wire shape, then the
family's input builder: the avatar exists, the URL is acceptable, ...), and priced by the family's
own price rule, so a quote and the charge can never disagree. Nothing is recorded or charged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from videotwin.domain import credits, speech
from videotwin.domain.jobs import Cost
from videotwin.errors import BadInput
from videotwin.families.base import Family, Start
from videotwin.families.index import FAMILIES
from videotwin.wire.speech import SendTtsBody

if TYPE_CHECKING:
    from videotwin.domain.ports import Services

API_PREFIX = "/api/v1/"
SEND_TTS = "video/send_tts"


@dataclass(frozen=True)
class Quote:
    endpoint: str  # as matched, e.g. video/generate
    cost: Cost | None  # None: free
    balance: credits.Balances


def _priced_endpoints() -> dict[str, tuple[Family, Start]]:
    found = {}
    for family in FAMILIES:
        for route in family.routes.items:
            if isinstance(route, Start):
                for path in route.paths:
                    found[f"{family.routes.prefix}/{path}".removeprefix(API_PREFIX)] = (family, route)
    return found


def _endpoint(value: str) -> str:
    """`video/generate`, `/api/v1/video/generate` or a full URL -> `video/generate`."""
    try:
        path = urlsplit(value.strip()).path if "://" in value else value.strip().split("?")[0]
    except ValueError:
        raise BadInput("endpoint", f"{value[:120]!r} is not a URL or a path such as video/generate") from None
    return path.lstrip("/").removeprefix(API_PREFIX.lstrip("/")).rstrip("/")


def _parse(shape: type[BaseModel], body: dict[str, Any]) -> BaseModel:
    try:
        return shape.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise BadInput(f"requestBody.{where}" if where else "requestBody", first["msg"]) from None


def quote(services: Services, owner_id: str, endpoint: str, request_body: dict[str, Any]) -> Quote:
    path = _endpoint(endpoint)
    priced = _priced_endpoints()
    cost: Cost | None
    if path in priced:
        family, route = priced[path]
        body = _parse(route.body, request_body)
        submission = family.build(services, owner_id, body)
        with services.db.read() as session:  # the group's own admission rules (e.g. one training at a time)
            family.admit(session, owner_id, submission)
        cost = family.price(services.settings.prices, submission.inputs)
    elif path == SEND_TTS:
        tts = _parse(SendTtsBody, request_body)
        speech.check_request(services, owner_id=owner_id, msg=tts.msg, tts_id=tts.tts_id,
                             user_voice_id=tts.user_voice_id, speech_rate=tts.speechRate)
        coins = services.settings.prices.tts_coins
        cost = Cost("coins", coins) if coins else None
    else:
        raise BadInput("endpoint", f"{endpoint[:120]!r} is not an endpoint that costs credits; priced: "
                                   f"{', '.join(sorted([*priced, SEND_TTS]))}")
    with services.db.read() as session:
        balance = credits.balances(session, owner_id)
    return Quote(path, cost, balance)
