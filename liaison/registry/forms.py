"""Forms of the registry pages. They validate input and build the actions' data classes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.core import field_rules
from liaison.core.field_rules import (
    validate_birth_date,
    validate_encountered_on,
    validate_line,
    validate_name,
    validate_purpose,
    validate_review_date,
    validate_text,
)
from liaison.core.forms import BootstrapForm, DateField, DateTimeField
from liaison.policy import HANDLING_ORDER, HandlingCode
from liaison.registry.actions import (
    AlertData,
    DocumentData,
    HitData,
    NameData,
    PersonData,
    WarrantData,
)
from liaison.registry.choices import (
    AlertStatus,
    AlertType,
    DocumentType,
    HitContext,
    HitDecisionKind,
    HitDisposition,
    NameKind,
    OffenceCategory,
    PersonCategory,
    Sex,
    WarrantStatus,
)
from liaison.registry.models import Person
from liaison.registry.search import SORTS, Filters

LINE, TEXT, NAME = [validate_line], [validate_text], [validate_name]


def _known(code: str) -> bool:
    try:
        field_rules.country(code)
    except field_rules.FieldRuleError:
        return False
    return True


def _codes(raw: str, label: str) -> list[str]:
    codes = [c.strip().upper() for c in re.split(r"[,\s]+", raw) if c.strip()]
    bad = [c for c in codes if not _known(c)]
    if bad:
        raise forms.ValidationError(
            _("%(label)s: %(codes)s is not an ISO 3166 alpha-2 code (e.g. MA, FR).")
            % {"label": label, "codes": ", ".join(bad)}
        )
    return codes


class PurposeForm(BootstrapForm):
    """Why the user consults records: required for every search (LED art. 25)."""

    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=300,
        validators=[validate_purpose],
        help_text=_("Why you search, e.g. 'identity check at the port of Tanger Med'."),
    )
    reference = forms.CharField(
        label=_("Case or legal basis reference"), max_length=100, required=False, validators=LINE
    )


SORT_CHOICES = [(s, s) for field in SORTS for s in (field, f"-{field}")]


class SearchForm(PurposeForm):
    name = forms.CharField(
        label=_("Name, in any script"),
        max_length=300,
        required=False,
        validators=NAME,
        help_text=_("A full name, a family name alone, or the first letters of a name."),
    )
    date_of_birth = forms.CharField(
        label=_("Date of birth"),
        max_length=10,
        required=False,
        validators=[validate_birth_date],
        help_text=_("YYYY, YYYY-MM or YYYY-MM-DD"),
    )
    nationality = forms.CharField(label=_("Nationality"), max_length=2, required=False)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("Any category")), *PersonCategory.choices],
        required=False,
    )
    owner = forms.ChoiceField(label=_("Owner service"), choices=[], required=False)
    origin = forms.ChoiceField(
        label=_("Own or received"),
        choices=[
            ("", _("Own and received")),
            ("own", _("Own records")),
            ("received", _("Received from partners")),
        ],
        required=False,
    )
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False, widget=forms.HiddenInput)
    page = forms.IntegerField(
        min_value=1, max_value=10_000, required=False, widget=forms.HiddenInput
    )

    field_order = ["name", "date_of_birth", "nationality", "category", "owner", "origin"]
    field_order += ["purpose", "reference"]

    def __init__(self, *args: Any, owners: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = [("", _("Any service")), *owners]

    def clean_nationality(self) -> str:
        value: str = self.cleaned_data["nationality"].strip().upper()
        if value and not _known(value):
            raise forms.ValidationError(_("Use an ISO 3166 alpha-2 code (e.g. MA, FR)."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(f) for f in ("name", "date_of_birth", "nationality")):
            raise forms.ValidationError(_("Give a name, a date of birth or a nationality."))
        return data

    def filters(self) -> Filters:
        """The filters chosen, for `search_persons` (call after `is_valid`)."""
        origin = self.cleaned_data.get("origin") or ""
        return Filters(
            category=self.cleaned_data.get("category") or "",
            owner=self.cleaned_data.get("owner") or "",
            received={"own": False, "received": True}.get(origin),
        )


class NameForm(BootstrapForm):
    full_name = forms.CharField(label=_("Full name"), max_length=300, validators=NAME)
    kind = forms.ChoiceField(label=_("Kind"), choices=NameKind.choices, initial=NameKind.PRIMARY)
    given_names = forms.CharField(
        label=_("Given names"), max_length=200, required=False, validators=NAME
    )
    family_name = forms.CharField(
        label=_("Family name"), max_length=200, required=False, validators=NAME
    )


class DocumentForm(BootstrapForm):
    document_type = forms.ChoiceField(label=_("Type"), choices=DocumentType.choices)
    number = forms.CharField(label=_("Number"), max_length=64, validators=NAME)
    issuing_country = forms.CharField(label=_("Issuing country"), max_length=2)

    def has_changed(self) -> bool:
        # The type's select always sends a value: a row is filled in when it has a number
        # or a country. An added row left empty is then ignored, not an error.
        return any(
            str(self.data.get(self.add_prefix(name), "")).strip()
            for name in ("number", "issuing_country")
        )

    def clean_issuing_country(self) -> str:
        return _codes(self.cleaned_data["issuing_country"], str(_("Issuing country")))[0]


class RowFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """Rows that can be removed: a "Remove" checkbox (DELETE), which liaison.js turns into
    a button hiding the row. Removed and empty rows are left out of `rows()`."""

    remove_label = _("Remove this row")

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = self.remove_label
            form.fields["DELETE"].widget.attrs.update(
                {"class": "form-check-input", "data-remove-row": ""}
            )

    def rows(self) -> list[dict[str, Any]]:
        """The cleaned values of the rows kept (call after is_valid())."""
        return [
            {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


class NameRows(RowFormSet):
    remove_label = _("Remove this name")

    def clean(self) -> None:
        # Instead of Django's "Please submit at least 1 form": a person needs a name, said
        # in words, and only when the rows themselves are otherwise valid.
        if any(self.errors):
            return
        if not any(row.get("full_name", "").strip() for row in self.rows()):
            raise forms.ValidationError(_("Give at least one name."), code="no_name")


class DocumentRows(RowFormSet):
    remove_label = _("Remove this document")


NameFormSet = forms.formset_factory(
    NameForm, formset=NameRows, extra=0, min_num=1, max_num=20, can_delete=True
)
DocumentFormSet = forms.formset_factory(
    DocumentForm, formset=DocumentRows, extra=0, max_num=20, can_delete=True
)


def inherit_handling(form: forms.Form, code: HandlingCode) -> None:
    """A record that belongs to another starts with its code and may only be stricter."""
    field = form.fields["handling_code"]
    stricter = HANDLING_ORDER[HANDLING_ORDER.index(code) :]
    field.choices = [(c.value, c.label) for c in stricter]  # type: ignore[attr-defined]
    field.initial = code


class RecordForm(BootstrapForm):
    handling_code = forms.ChoiceField(
        label=_("Handling code"), choices=HandlingCode.choices, initial=HandlingCode.H0
    )
    review_date = DateField(
        label=_("Review date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for the default (three years)."),
    )

    def clean_review_date(self) -> Any:
        # A record kept past its date is the review job's business; a date given or
        # changed here must be ahead.
        value = self.cleaned_data["review_date"]
        if value is not None and value != self.initial.get("review_date"):
            validate_review_date(value)
        return value


class PersonForm(RecordForm):
    category = forms.ChoiceField(label=_("Category"), choices=PersonCategory.choices)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    birth_dates = forms.CharField(
        label=_("Dates of birth"),
        required=False,
        max_length=200,
        help_text=_("Comma-separated; each YYYY, YYYY-MM or YYYY-MM-DD."),
    )
    place_of_birth = forms.CharField(
        label=_("Place of birth"), max_length=200, required=False, validators=LINE
    )
    country_of_birth = forms.CharField(label=_("Country of birth"), max_length=2, required=False)
    nationalities = forms.CharField(
        label=_("Nationalities"), max_length=100, required=False, help_text=_("e.g. MA, FR")
    )
    distinguishing_marks = forms.CharField(
        label=_("Distinguishing marks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=TEXT,
    )
    neutrality_flag = forms.BooleanField(
        label=_("Political, military, religious or racial character"), required=False
    )
    named_recipients = forms.CharField(
        label=_("Named recipients (H3)"),
        required=False,
        max_length=500,
        validators=LINE,
        help_text=_("Usernames, comma-separated: only they (and you) will see an H3 record."),
    )
    justification = forms.CharField(
        label=_("Justification"),
        required=False,
        max_length=2000,
        validators=TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "When editing: why you lower the handling code, clear the political, military, "
            "religious or racial flag, or push back the review date (supervisors only)."
        ),
    )

    field_order = ["category", "sex", "birth_dates", "place_of_birth", "country_of_birth"]

    def clean_birth_dates(self) -> list[str]:
        values = [v.strip() for v in self.cleaned_data["birth_dates"].split(",") if v.strip()]
        for value in values:
            validate_birth_date(value)
        return values

    def clean_country_of_birth(self) -> str:
        raw = self.cleaned_data["country_of_birth"]
        return _codes(raw, str(_("Country of birth")))[0] if raw.strip() else ""

    def clean_nationalities(self) -> list[str]:
        return _codes(self.cleaned_data["nationalities"], str(_("Nationalities")))

    def to_data(self, names: NameRows, documents: DocumentRows) -> PersonData:
        data = self.cleaned_data
        return PersonData(
            category=data["category"],
            sex=data["sex"],
            names=[NameData(**row) for row in names.rows()],
            birth_dates=data["birth_dates"],
            place_of_birth=data["place_of_birth"],
            country_of_birth=data["country_of_birth"],
            nationalities=data["nationalities"],
            distinguishing_marks=data["distinguishing_marks"],
            documents=[DocumentData(**row) for row in documents.rows()],
            handling_code=data["handling_code"],
            review_date=data["review_date"],
            neutrality_flag=data["neutrality_flag"],
            named_recipients=[u.strip() for u in data["named_recipients"].split(",")],
            justification=data["justification"],
        )

    @staticmethod
    def initial_for(person: Person) -> dict[str, Any]:
        return {
            "category": person.category,
            "sex": person.sex,
            "birth_dates": ", ".join(b.value for b in person.birth_dates.all()),
            "place_of_birth": person.place_of_birth,
            "country_of_birth": person.country_of_birth,
            "nationalities": ", ".join(person.nationality_codes),
            "distinguishing_marks": person.distinguishing_marks,
            "handling_code": person.handling_code,
            "review_date": person.review_date,
            "neutrality_flag": person.neutrality_flag,
            "named_recipients": ", ".join(person.restricted_to.values_list("username", flat=True)),
        }


class WarrantForm(RecordForm):
    issuing_country = forms.CharField(label=_("Issuing country"), max_length=2)
    issuing_authority = forms.CharField(
        label=_("Issuing authority"), max_length=200, validators=LINE
    )
    court = forms.CharField(label=_("Court"), max_length=200, required=False, validators=LINE)
    reference = forms.CharField(label=_("Reference number"), max_length=100, validators=NAME)
    offences = forms.MultipleChoiceField(
        label=_("Offences"), choices=OffenceCategory.choices, widget=forms.CheckboxSelectMultiple
    )
    offence_description = forms.CharField(
        label=_("Offence description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=TEXT,
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"), max_length=300, required=False, validators=LINE
    )
    issued_on = DateField(label=_("Issued on"), widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = DateField(
        label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    extradition_sought = forms.BooleanField(label=_("Extradition sought"), required=False)
    max_penalty_months = forms.IntegerField(
        label=_("Maximum penalty (months)"), required=False, min_value=0, max_value=1200
    )
    remaining_sentence_months = forms.IntegerField(
        label=_("Sentence left to serve (months)"), required=False, min_value=0, max_value=1200
    )

    field_order = ["issuing_country", "issuing_authority", "court", "reference", "offences"]

    def clean_issuing_country(self) -> str:
        return _codes(self.cleaned_data["issuing_country"], str(_("Issuing country")))[0]

    def to_data(self) -> WarrantData:
        return WarrantData(**self.cleaned_data)


class AlertForm(RecordForm):
    alert_type = forms.ChoiceField(label=_("Type"), choices=AlertType.choices)
    warrant = forms.TypedChoiceField(
        label=_("Warrant"), required=False, coerce=int, empty_value=None
    )
    action_on_hit = forms.CharField(
        label=_("Action to take on a hit"),
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=TEXT,
    )
    facts = forms.CharField(
        label=_("Facts"), required=False, widget=forms.Textarea(attrs={"rows": 3}), validators=TEXT
    )
    assessment = forms.CharField(
        label=_("Assessment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=TEXT,
    )
    not_political_declared = forms.BooleanField(
        label=_(
            "I declare that this case is not of a political, military, religious or racial "
            "character."
        ),
        required=False,
    )

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(w.pk, str(w)) for w in person.warrants.all()]
        # The TypedChoiceField declared above; the stubs type self.fields as plain Fields.
        self.fields["warrant"].choices = [("", "—"), *choices]  # type: ignore[attr-defined]

    def to_data(self) -> AlertData:
        data = dict(self.cleaned_data)
        data["warrant_id"] = data.pop("warrant")
        return AlertData(**data)


class HitForm(BootstrapForm):
    encountered_name = forms.CharField(
        label=_("Name as encountered"), max_length=300, validators=NAME
    )
    encountered_on = DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        validators=[validate_encountered_on],
    )
    place = forms.CharField(label=_("Where"), max_length=200, validators=LINE)
    context = forms.ChoiceField(label=_("Context"), choices=HitContext.choices)
    alert = forms.TypedChoiceField(label=_("Alert"), required=False, coerce=int, empty_value=None)
    action_taken = forms.CharField(
        label=_("Action taken"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=TEXT,
    )
    handling_code = forms.ChoiceField(
        label=_("Handling code"), choices=HandlingCode.choices, initial=HandlingCode.H0
    )

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(a.pk, str(a)) for a in person.alerts.all()]
        # The TypedChoiceField declared above; the stubs type self.fields as plain Fields.
        self.fields["alert"].choices = [("", "—"), *choices]  # type: ignore[attr-defined]

    def to_data(self) -> HitData:
        data = dict(self.cleaned_data)
        data["alert_id"] = data.pop("alert")
        return HitData(**data)


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        validators=TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the change cannot be undone; written in the audit log."),
    )


class StatusForm(BootstrapForm):
    status = forms.CharField(max_length=16, widget=forms.HiddenInput)
    reason = _reason_field()


class DispositionForm(BootstrapForm):
    disposition = forms.ChoiceField(
        label=_("Disposition"), choices=HitDisposition.choices, widget=forms.HiddenInput
    )
    action_taken = forms.CharField(
        label=_("Action taken"),
        required=False,
        max_length=2000,
        validators=TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = _reason_field()


class HitDecisionForm(BootstrapForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=HitDecisionKind.choices)
    message = forms.CharField(
        label=_("Message to the partner's service"),
        max_length=5000,
        validators=TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class HitOutcomeForm(BootstrapForm):
    """What became of the person after a confirmed hit: the next outcomes only."""

    outcome = forms.ChoiceField(label=_("Outcome"))
    on = DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("When it happened: not in the future, not before the hit."),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["outcome"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class HitUpdateForm(BootstrapForm):
    action_taken = forms.CharField(
        label=_("Action taken, or the details asked for"),
        max_length=5000,
        validators=TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ExtensionForm(BootstrapForm):
    review_date = DateField(
        label=_("New review date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_review_date],
    )
    justification = forms.CharField(
        label=_("Justification for keeping it longer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        validators=TEXT,
    )


class ErasureForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason for the erasure"), max_length=500, validators=LINE)


STATUS_CHOICES = {"warrant": WarrantStatus, "alert": AlertStatus}


class SubjectAccessForm(BootstrapForm):
    """Why a subject access report is produced, and the request it answers (both logged)."""

    purpose = forms.CharField(
        label=_("Purpose"),
        min_length=5,
        max_length=300,
        initial=_("Data subject access request (Directive 2016/680, art. 14)"),
    )
    reference = forms.CharField(
        label=_("Request reference"),
        max_length=100,
        help_text=_("The registration number of the person's request, or its legal basis."),
    )
