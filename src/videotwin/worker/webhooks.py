"""Webhook delivery: POSTed once when a job ends, from the worker side (an outbox in the job row).
The payload is the task group's own record (its family's presenter); a job of a kind without one
(a plugin's, say) sends the generic task record."""

from __future__ import annotations

import dataclasses
import logging

from videotwin.domain import jobs, outbox, tasks
from videotwin.errors import DomainError
from videotwin.families.index import by_kind
from videotwin.runtime import Runtime
from videotwin.storage.fetch import post_json
from videotwin.wire.presenters import job_out

log = logging.getLogger(__name__)
WEBHOOK_TOKEN_HEADER = "X-A2e-Webhook-Token"


def deliver(runtime: Runtime, job_id: str) -> bool:
    """Send the webhook of an ended job if it is still pending. True if this call sent it."""
    with runtime.db.write() as session:
        delivery = outbox.claim_webhook(session, job_id)
    if delivery is None:
        return False
    job = delivery.job
    event = "task.completed" if job.status == jobs.SUCCEEDED else "task.failed"
    payload = {"event": event, "data": record(runtime, job)}
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
        outbox.record_webhook(session, job_id, sent, result)
    return True


def record(runtime: Runtime, job: jobs.Job) -> dict:
    """What a webhook carries: the job's task record as the status endpoints answer it."""
    family = by_kind(job.kind)
    found = None
    if family is not None:
        with runtime.db.read() as session:
            found = tasks.for_job(session, family, job)
    shown = job_out(job, runtime.url_for) if found is None else family.present(found, runtime.url_for)
    return shown.model_dump(mode="json", by_alias=True)
