from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanConfig(AppConfig):
    name = "liaison.plan"
    label = "plan"
    verbose_name = _("Action plan")

    def ready(self) -> None:
        from liaison.audit import labels
        from liaison.plan import materials, models, sharing

        sharing.register()
        materials.register_materials()
        for model in (
            models.Objective,
            models.PlanAction,
            models.PlanProposal,
            models.PlanDecision,
            models.Training,
            models.TechnicalAssistance,
        ):
            labels.register_model(model)
        labels.register_detail(
            {
                "objective": _("objective"),
                "action": _("action"),
                "proposal": _("proposed change"),
                "accepted": _("accepted"),
            }
        )
