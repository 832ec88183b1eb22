"""Webhook delivery: POSTed once when a job ends, from the worker side (an outbox in the job row)."""

from __future__ import annotations

import dataclasses
import logging

from videotwin.api.presenters import job_record
from videotwin.domain import jobs
from videotwin.domain.errors import DomainError
from videotwin.runtime import Runtime
from videotwin.storage.fetch import post_json

log = logging.getLogger(__name__)
WEBHOOK_TOKEN_HEADER = "X-A2e-Webhook-Token"


def deliver(runtime: Runtime, job_id: str) -> bool:
    """Send the webhook of an ended job if it is still pending. True if this call sent it."""
    with runtime.db.write() as session:
        delivery = jobs.claim_webhook(session, job_id)
    if delivery is None:
        return False
    job = delivery.job
    event = "task.completed" if job.status == jobs.SUCCEEDED else "task.failed"
    payload = {"event": event, "data": job_record(job, runtime.url_for)}
    headers = {WEBHOOK_TOKEN_HEADER: delivery.token} if delivery.token else {}
    timeout = runtime.settings.webhook_timeout_seconds
    rules = dataclasses.replace(runtime.fetch_rules, timeout_seconds=timeout, connect_timeout_seconds=timeout)
    try:
        status = post_json(delivery.url, payload, headers, rules)
        sent, result = 200 <= status < 300, f"HTTP {status}"
    except DomainError as exc:
        sent, result = False, exc.message
    except Exception as exc:  # noqa: BLE001 - a webhook must never take the worker down
        sent, result = False, f"{type(exc).__name__}: {exc}"
    log.info("webhook for job %s: %s", job_id, result)
    with runtime.db.write() as session:
        jobs.record_webhook(session, job_id, sent, result)
    return True
