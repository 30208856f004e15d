"""A training's materials: files attached to it through liaison/attachments/ (docs/plan.md,
"Materials"). Who may change the training on its owner node adds and removes them; they go
to the partners holding the training, and to a partner when the training is shared later."""

from __future__ import annotations

from liaison.accounts.models import Actor
from liaison.attachments.parents import ParentType, register_parent
from liaison.attachments.sharing import send_attached
from liaison.exchange.models import Share
from liaison.plan.models import Training
from liaison.plan.queries import get_training_for_user
from liaison.policy import Action

PARENT = "training"


def holders(training: Training) -> list[str]:
    """The partners that hold our training (its shares); a partner's copy sends nothing."""
    if not training.is_local:
        return []
    shares = Share.objects.filter(object_type=PARENT, object_uid=training.uid)
    return sorted(shares.values_list("peer__node_id", flat=True))


def register_materials() -> None:
    register_parent(
        ParentType(
            name=PARENT,
            model=Training,
            get_for_user=get_training_for_user,
            upload_action=Action.CHANGE,
            partners=holders,
            url_name="plan:training",
        )
    )


def send_materials(training: Training, partner: str, *, actor: Actor) -> int:
    """When the training is shared: its materials go after it (`send_attached`)."""
    return send_attached(PARENT, training.uid, partner, actor=actor)
