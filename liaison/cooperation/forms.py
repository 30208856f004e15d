from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.cooperation.actions import FollowUpData, GroupData, MemberData
from liaison.cooperation.case_actions import TaskData
from liaison.cooperation.choices import CaseStatus, GroupStatus, LinkKind, TaskStatus, Theme
from liaison.cooperation.models import WorkingGroup
from liaison.core.field_rules import validate_line, validate_text
from liaison.core.forms import BootstrapForm, DateField
from liaison.policy import HandlingCode

SHAREABLE_CODES = [c for c in HandlingCode.choices if c[0] != HandlingCode.H3]


class GroupForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=200, validators=[validate_line])
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices)
    mandate = forms.CharField(
        label=_("Mandate"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 5}),
        validators=[validate_text],
    )
    participant_nodes = forms.MultipleChoiceField(
        label=_("Partner services taking part"), widget=forms.CheckboxSelectMultiple
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=GroupStatus.choices, initial=GroupStatus.ACTIVE
    )
    handling_code = forms.ChoiceField(
        label=_("Handling code"), choices=SHAREABLE_CODES, initial=HandlingCode.H0
    )

    def __init__(self, *args: Any, partners: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["participant_nodes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = partners

    @classmethod
    def for_group(
        cls, group: WorkingGroup, data: Any, partners: list[tuple[str, str]]
    ) -> GroupForm:
        names = ["name", "theme", "mandate", "participant_nodes", "status", "handling_code"]
        return cls(data, initial={n: getattr(group, n) for n in names}, partners=partners)

    def to_data(self) -> GroupData:
        return GroupData(**self.cleaned_data)


class MembersForm(BootstrapForm):
    members = forms.CharField(
        label=_("Our members"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One per line: the name, then a comma and the function if you wish."),
        validators=[validate_text],
    )
    lead = forms.CharField(
        label=_("Our lead"),
        required=False,
        max_length=200,
        help_text=_("The name of one of the members above."),
        validators=[validate_line],
    )

    @classmethod
    def for_members(cls, members: list[MemberData], data: Any) -> MembersForm:
        lines = [f"{m.name}, {m.function}" if m.function else m.name for m in members]
        lead = next((m.name for m in members if m.lead), "")
        return cls(data, initial={"members": "\n".join(lines), "lead": lead})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead = (data.get("lead") or "").strip()
        names = [m.name for m in self._parsed(data.get("members") or "")]
        if lead and lead not in names and "lead" not in self.errors:
            self.add_error("lead", _("The lead must be one of the members listed."))
        return data

    @staticmethod
    def _parsed(value: str) -> list[MemberData]:
        members = []
        for line in value.splitlines():
            name, _sep, function = line.partition(",")
            if name.strip():
                members.append(MemberData(name=name.strip(), function=function.strip()))
        return members

    def to_data(self) -> list[MemberData]:
        lead = self.cleaned_data["lead"].strip()
        members = self._parsed(self.cleaned_data["members"])
        for member in members:
            member.lead = bool(lead) and member.name == lead
            lead = "" if member.lead else lead  # the first of two namesakes only
        return members


class MeetingForm(BootstrapForm):
    held_on = DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    participants = forms.CharField(
        label=_("Participants"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_text],
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 5}),
        validators=[validate_text],
    )


class CaseForm(BootstrapForm):
    title = forms.CharField(label=_("Title"), max_length=200, validators=[validate_line])
    summary = forms.CharField(
        label=_("Summary"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[validate_text],
    )
    handling_code = forms.ChoiceField(
        label=_("Handling code"), choices=SHAREABLE_CODES, initial=HandlingCode.H0
    )


class CommentForm(BootstrapForm):
    text = forms.CharField(
        label=_("Comment"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_text],
    )


class LinkForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Record"), choices=LinkKind.choices)
    uid = forms.UUIDField(label=_("Identifier"))


class TaskForm(BootstrapForm):
    title = forms.CharField(label=_("Task"), max_length=200, validators=[validate_line])
    assignee_node = forms.ChoiceField(label=_("Assigned to the service"))
    assignee = forms.CharField(
        label=_("Assigned to (name)"), required=False, max_length=200, validators=[validate_line]
    )
    due_on = DateField(
        label=_("Due on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, services: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee_node"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = services


class FollowUpForm(TaskForm):
    """A follow-up action of a meeting: a task in one of the group's joint cases."""

    case = forms.ChoiceField(label=_("Joint case"))
    field_order = ["case", "title", "assignee_node", "assignee", "due_on"]

    def __init__(self, *args: Any, cases: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["case"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = cases

    def to_data(self) -> FollowUpData:
        data = dict(self.cleaned_data)
        return FollowUpData(case=data.pop("case"), task=TaskData(**data))


class ProgressForm(BootstrapForm):
    task = forms.UUIDField()
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)


class MoveForm(BootstrapForm):
    status = forms.ChoiceField(label=_("Status"), choices=CaseStatus.choices)
