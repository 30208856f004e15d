from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from liaison.accounts.models import Actor
from liaison.core.field_rules import validate_line, validate_purpose, validate_text
from liaison.core.forms import BootstrapForm, DateField
from liaison.intel import recipients
from liaison.intel.actions import ReportData
from liaison.intel.choices import ConsentKind
from liaison.intel.grading import SCHEMES, scheme_choices
from liaison.intel.models import MAX_TEXT, Report
from liaison.intel.recipients import AUDIENCE_FIELDS
from liaison.intel.stix import MAX_BUNDLE_BYTES
from liaison.policy import HandlingCode


def _grades(part: str) -> list[tuple[str, str]]:
    """Every grade of every scheme, labelled with its meaning on each scheme that has it."""
    codes: dict[str, list[str]] = {}
    for one in SCHEMES.values():
        for grade in getattr(one, part):
            codes.setdefault(grade.code, []).append(f"{grade.words} ({one.title})")
    return [(code, f"{code} · {' / '.join(words)}") for code, words in codes.items()]


class ReportForm(BootstrapForm):
    title = forms.CharField(label=_("Title"), max_length=200, validators=[validate_line])
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_text],
    )
    facts = forms.CharField(
        label=_("Facts"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
        validators=[validate_text],
        help_text=_("What was observed or reported, without opinion."),
    )
    assessment = forms.CharField(
        label=_("Assessment"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        validators=[validate_text],
        help_text=_("The analyst's opinion, kept apart from the facts."),
    )
    source_reference = forms.CharField(
        label=_("Source reference"),
        required=False,
        max_length=100,
        validators=[validate_line],
        help_text=_("A reference to the source, never its identity."),
    )
    grading_scheme = forms.ChoiceField(label=_("Grading scheme"), choices=scheme_choices)
    source_reliability = forms.ChoiceField(
        label=_("Source reliability"), choices=lambda: _grades("reliability")
    )
    information_credibility = forms.ChoiceField(
        label=_("Information credibility"), choices=lambda: _grades("credibility")
    )
    recipients = forms.CharField(
        label=_("Recipient services (nodes)"),
        required=False,
        max_length=300,
        help_text=_("Comma-separated node ids, e.g. fr, es."),
    )
    recipient_groups = forms.MultipleChoiceField(
        label=_("Recipient working groups"),
        required=False,
        help_text=_(
            "The services taking part in them are recipients too, as they are when the "
            "report is shared."
        ),
    )
    recipient_cases = forms.MultipleChoiceField(
        label=_("Recipient joint cases"),
        required=False,
        help_text=_("The services of the case's group are recipients too."),
    )
    handling_code = forms.ChoiceField(
        label=_("Handling code"), choices=HandlingCode.choices, initial=HandlingCode.H2
    )
    review_date = DateField(
        label=_("Review date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Actor | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grading_scheme"].initial = settings.INTEL_GRADING_SCHEME
        for name in AUDIENCE_FIELDS:  # the groups and cases the writer may name
            field = self.fields[name]
            assert isinstance(field, forms.MultipleChoiceField)
            field.choices = recipients.choices(user, name) if user is not None else []

    def clean_recipients(self) -> list[str]:
        value = self.cleaned_data.get("recipients", "")
        return [part.strip() for part in value.split(",") if part.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = SCHEMES.get(data.get("grading_scheme", ""))
        if chosen is None:
            return data
        for part, name in (
            ("reliability", "source_reliability"),
            ("credibility", "information_credibility"),
        ):
            code = data.get(name)
            if code and code not in {g.code for g in getattr(chosen, part)}:
                self.add_error(
                    name,
                    _("%(code)s is not a grade of %(scheme)s.")
                    % {"code": code, "scheme": chosen.title},
                )
        return data

    def to_data(self) -> ReportData:
        return ReportData(**self.cleaned_data)

    @classmethod
    def for_report(cls, report: Report, data: Any = None, *, user: Actor) -> ReportForm:
        initial = {name: getattr(report, name) for name in cls.base_fields}
        initial["recipients"] = ", ".join(report.recipients)
        return cls(data, initial=initial, user=user)


class PurposeForm(BootstrapForm):
    """Why the user opens or searches reports (LED art. 25)."""

    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=300,
        validators=[validate_purpose],
        help_text=_("Why you open this report, e.g. 'preparing the joint case on trafficking'."),
    )
    reference = forms.CharField(
        label=_("Case or legal basis reference"),
        max_length=100,
        required=False,
        validators=[validate_line],
    )


class ReportFilterForm(BootstrapForm):
    """The list's filters; a text search also needs a purpose, as record search does."""

    q = forms.CharField(
        label=_("Words, an indicator or a person's name"),
        help_text=_(
            "Words in the title, summary or facts; a phone number, e-mail, document, plate, "
            "place or organisation; or a person linked to the report, in any script."
        ),
        required=False,
        max_length=200,
        validators=[validate_line],
    )
    purpose = forms.CharField(
        label=_("Purpose of the search"),
        required=False,
        max_length=300,
        validators=[validate_purpose],
    )
    handling_code = forms.ChoiceField(
        label=_("Handling code"),
        required=False,
        choices=[("", _("Any")), *HandlingCode.choices],
    )
    origin = forms.ChoiceField(
        label=_("Origin"),
        required=False,
        choices=[("", _("Any")), ("own", _("Written here")), ("received", _("From partners"))],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("q") and not data.get("purpose"):
            self.add_error("purpose", _("Say why you search: every search is logged with it."))
        return data


class ConsentRequestForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Consent for"), choices=ConsentKind.choices)
    partner = forms.CharField(
        label=_("Partner service to forward to (node)"),
        required=False,
        max_length=32,
        help_text=_("Only for a forward, e.g. es."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_text],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == ConsentKind.FORWARD and not data.get("partner"):
            self.add_error("partner", _("Name the partner service to forward to."))
        return data


class ConsentDecisionForm(BootstrapForm):
    granted = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Grant")), ("no", _("Refuse"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_text],
    )


class StixImportForm(BootstrapForm):
    """A STIX 2.1 bundle to record as this node's reports."""

    bundle = forms.FileField(label=_("STIX 2.1 bundle (JSON)"))

    def clean_bundle(self) -> Any:
        upload = self.cleaned_data["bundle"]
        if upload.size > MAX_BUNDLE_BYTES:
            raise forms.ValidationError(
                _("The bundle is larger than %(size)d bytes.") % {"size": MAX_BUNDLE_BYTES}
            )
        return upload
