"""userVideoTwin/continueTraining: personalised lip-sync models, one record per training run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from videotwin.db.tables import LipsyncModelRow
from videotwin.domain import lipsync_models, tasks
from videotwin.domain.tasks import Submission
from videotwin.families import avatars
from videotwin.families.base import Family, Routes, Start, UrlFor
from videotwin.pipelines import lipsync_train
from videotwin.wire.avatars import ContinueTrainingBody, LipsyncModelOut, TwinOut
from videotwin.wire.presenters import task_fields

if TYPE_CHECKING:
    from videotwin.domain.ports import Services


def build(services: Services, owner_id: str, body: ContinueTrainingBody) -> Submission:
    return lipsync_models.submission(services, owner_id, body.id, webhook_url=body.webhook_url,
                                     webhook_token=body.webhook_token)


def model_out(run: lipsync_models.LipsyncModel, url_for: UrlFor) -> LipsyncModelOut:
    return LipsyncModelOut(id=run.id, user_video_twin_id=run.twin_id, anchor_id=run.anchor_id,
                           current_status=run.current_status, in_use=run.in_use,
                           better_than_universal=run.better, reason=run.reason, metrics=run.metrics,
                           **task_fields(run.job, run.created_at))


def the_avatar(services: Services, run: lipsync_models.LipsyncModel, url_for: UrlFor) -> TwinOut:
    """continueTraining answers the avatar's record, whose status follows the run from now on."""
    with services.db.read() as session:
        return avatars.twin_out(tasks.get(session, avatars.FAMILY, run.owner_id, run.twin_id), url_for)


FAMILY = Family(
    noun="lip-sync model", pipeline=lipsync_train.PIPELINE, words=lipsync_models.STATUS_WORDS,
    price=lipsync_models.price, table=LipsyncModelRow, record=lipsync_models.model_record, build=build,
    present=model_out, out=LipsyncModelOut, admit=lipsync_models.admit,
    routes=Routes("/api/v1/userVideoTwin", "avatars", (
        Start(("continueTraining", "continueTranining"), ContinueTrainingBody,
              "Train a personalised lip-sync model on the avatar's own footage (diamonds). The avatar's record "
              "follows the run (current_status); when it ends, the better model is used from then on",
              answer=the_avatar, answer_type=TwinOut),
    )),
)
