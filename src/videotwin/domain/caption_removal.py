"""Caption removal: a video with its burned-in captions and overlay text taken out. Each is a job
(caption.remove) with a record whose `_id` is the job's id."""

from __future__ import annotations

from videotwin.config import Prices
from videotwin.domain.jobs import Cost
from videotwin.domain.tasks import Submission
from videotwin.pipelines import caption_remove
from videotwin.storage.fetch import check_url


def price(prices: Prices, inputs: caption_remove.Inputs) -> Cost | None:
    return Cost("coins", prices.caption_removal_coins) if prices.caption_removal_coins else None


def submission(*, name: str, source_url: str, webhook_url: str | None, webhook_token: str | None) -> Submission:
    """The input builder: check what can be checked without the media (the video itself is checked
    when the job fetches it)."""
    check_url(source_url, "source_url")
    return Submission(inputs=caption_remove.Inputs(source_url=source_url), name=name,
                      columns={"name": name, "source_url": source_url},
                      webhook_url=webhook_url, webhook_token=webhook_token)
