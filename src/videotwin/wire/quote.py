"""Wire shapes of generation/quote."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from videotwin.wire.common import Body, Out


class QuoteBody(Body):
    endpoint: str = Field(min_length=1, max_length=256, description="the call to price, e.g. video/generate or "
                                                                    "/api/v1/userVideoTwin/startTraining")
    requestBody: dict[str, Any] = Field(default_factory=dict, description="the body that call would be sent")


class QuoteOut(Out):
    endpoint: str = Field(description="the endpoint priced, e.g. video/generate")
    coins: int = Field(description="coins the call would cost")
    diamonds: int = Field(description="diamonds the call would cost")
    currency: str | None = Field(description="coins or diamonds; null when the call is free")
    amount: int = Field(description="the cost in that currency")
    enough: bool = Field(description="whether your balance covers it now")
    remaining_coins: int
    remaining_diamonds: int
