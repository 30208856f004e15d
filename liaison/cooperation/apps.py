from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    name = "liaison.cooperation"
    label = "cooperation"
    verbose_name = _("Working groups")

    def ready(self) -> None:
        from liaison.audit import labels
        from liaison.cooperation import desk, sharing
        from liaison.cooperation.models import CasePart, JointCase, MemberList, WorkingGroup

        sharing.register()
        desk.register()
        labels.register_model(WorkingGroup, object_type="group")
        labels.register_model(MemberList, object_type="group_members")
        labels.register_model(JointCase, object_type="case")
        labels.register_model(CasePart, object_type="case_part")
        labels.register_detail(
            {
                "participants": _("participating services"),
                "link": _("linked records"),
                "task": _("task"),
            }
        )
