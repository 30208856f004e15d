"""Registry pages: authorise by scoped lookup, validate, call one action, render."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.accounts.models import Actor
from liaison.audit.actions import log_event
from liaison.policy import Action, decide, require
from liaison.refusals import Refused
from liaison.registry import actions
from liaison.registry.forms import (
    AlertForm,
    DispositionForm,
    DocumentFormSet,
    ErasureForm,
    ExtensionForm,
    HitForm,
    NameForm,
    NameFormSet,
    PersonForm,
    PurposeForm,
    SearchForm,
    StatusForm,
    WarrantForm,
    inherit_handling,
)
from liaison.registry.models import Alert, Hit, Warrant
from liaison.registry.queries import (
    get_person_for_user,
    get_record_for_user,
    owner_services,
    persons_visible_to,
    records_due_for_review,
)
from liaison.registry.search import search_detail, search_persons
from liaison.registry.sharing.share import share_person

PURPOSE_KEY = "registry_purpose"


def _purpose(request: HttpRequest) -> dict[str, str] | None:
    value = request.session.get(PURPOSE_KEY)
    return value if isinstance(value, dict) else None


def _remember_purpose(request: HttpRequest, form: PurposeForm) -> dict[str, str]:
    purpose = {"purpose": form.cleaned_data["purpose"], "reference": form.cleaned_data["reference"]}
    request.session[PURPOSE_KEY] = purpose
    return purpose


PAGE_SIZE = 50
CRITERIA = ("name", "date_of_birth", "nationality")


@login_required
def search(request: HttpRequest) -> HttpResponse:
    require(request, Action.SEARCH, object_type="person")
    owners = owner_services()
    form = SearchForm(request.GET or None, initial=_purpose(request), owners=owners)
    outcome = None
    if request.GET and form.is_valid():
        outcome = _run_search(request, form)
    # A given name alone needs a date of birth: say so when a single word finds nobody.
    one_word = (
        outcome is not None and not outcome.results and len(form.cleaned_data["name"].split()) == 1
    )
    context = {"form": form, "outcome": outcome, "one_word": one_word}
    if outcome is not None:
        context |= _table(form, outcome)
        labels = dict(owners)
        context["rows"] = [
            (r, labels.get(r.person.owner_node, r.person.owner_node)) for r in outcome.results
        ]
    return render(request, "registry/search.html", context)


def _table(form: SearchForm, outcome: Any) -> dict[str, Any]:
    """Sorting links (each column toggles its direction) and the pager."""
    sort = form.cleaned_data.get("sort") or "score"
    page = form.cleaned_data.get("page") or 1
    pages = max(1, -(-outcome.count // PAGE_SIZE))
    columns = {
        field: {"next": f"-{field}" if sort == field else field, "aria": _aria(field, sort)}
        for field in NATURAL_ORDER
    }
    return {
        "columns": columns,
        "page": page,
        "pages": pages,
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if page < pages else None,
        "first_shown": (page - 1) * PAGE_SIZE + 1,
    }


# Each column's first click: best score and latest change first, names and dates A to Z.
NATURAL_ORDER = {"score": "descending", "name": "ascending", "dob": "ascending"}
NATURAL_ORDER["updated"] = "descending"
REVERSED = {"ascending": "descending", "descending": "ascending"}


def _aria(field: str, sort: str) -> str:
    """The column's aria-sort value for the current sort."""
    if sort == field:
        return NATURAL_ORDER[field]
    return REVERSED[NATURAL_ORDER[field]] if sort == f"-{field}" else "none"


def _run_search(request: HttpRequest, form: SearchForm) -> Any:
    purpose = _remember_purpose(request, form)
    query = {k: form.cleaned_data[k] for k in CRITERIA}
    filters = form.filters()
    page = form.cleaned_data.get("page") or 1
    outcome = search_persons(
        persons_visible_to(request.user, Action.SEARCH),
        **query,
        filters=filters,
        sort=form.cleaned_data.get("sort") or "score",
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    log_event(
        action="consult",
        request=request,
        object_type="person-search",
        purpose=purpose["purpose"],
        purpose_reference=purpose["reference"],
        detail=search_detail(query, outcome, filters),
    )
    return outcome


@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The current search's results as CSV or XLSX; the export itself is audited."""
    from liaison.registry import exports

    require(request, Action.SEARCH, object_type="person")
    form = SearchForm(request.GET or None, owners=owner_services())
    if not form.is_valid():
        messages.error(request, _("Run a search with a purpose before exporting it."))
        return redirect("registry:search")
    purpose = _remember_purpose(request, form)
    query = {k: form.cleaned_data[k] for k in CRITERIA}
    outcome = search_persons(
        persons_visible_to(request.user, Action.SEARCH),
        **query,
        filters=form.filters(),
        sort=form.cleaned_data.get("sort") or "score",
        limit=None,
    )
    exports.log_export(request, outcome.results, fmt, purpose["purpose"])
    if fmt == "xlsx":
        response = HttpResponse(
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        exports.write_xlsx(outcome.results, response, user=request.user)
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        exports.write_csv(outcome.results, response, user=request.user)
    response["Content-Disposition"] = f'attachment; filename="liaison-search.{fmt}"'
    return response


@login_required
def purpose(request: HttpRequest) -> HttpResponse:
    """State why you open records reached without a search (a link, a bookmark)."""
    form = PurposeForm(request.POST or None)
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("registry:search")
    if request.method == "POST" and form.is_valid():
        _remember_purpose(request, form)
        return redirect(target)
    return render(request, "registry/purpose.html", {"form": form, "next": target})


@login_required
def person_detail(request: HttpRequest, uid: UUID) -> HttpResponse:
    person = get_person_for_user(request.user, uid)
    stated = _purpose(request)
    if stated is None:
        return redirect(f"{reverse('registry:purpose')}?next={request.path}")
    log_event(
        action="consult",
        request=request,
        object_type="person",
        object_id=str(person.uid),
        purpose=stated["purpose"],
        purpose_reference=stated["reference"],
    )
    return render(request, "registry/person_detail.html", _person_context(request, person))


def _person_context(request: HttpRequest, person: Any) -> dict[str, Any]:
    from liaison.audit.models import AuditEntry

    user = request.user
    uids = [str(person.uid)] + [str(r.uid) for r in (*person.warrants.all(), *person.alerts.all())]
    timeline = AuditEntry.objects.filter(
        object_id__in=uids, action__in=["collect", "alter", "disclose", "receive"]
    ).order_by("-seq")[:50]
    return {
        "person": person,
        "timeline": timeline,
        "can_change": decide(user, Action.CHANGE, person).allowed,
        "can_delete": decide(user, Action.DELETE, person).allowed,
        "can_create": decide(user, Action.CREATE).allowed,
        "can_extend": user.has_perm("accounts.approve_handling"),
        "purpose": _purpose(request),
        **_share_context(user, person),
    }


def _share_context(user: Actor, person: Any) -> dict[str, Any]:
    """The partners a liaison officer may share this person with, or why not."""
    from liaison.exchange.models import Peer

    if not user.has_perm("accounts.disclose_records"):
        return {}
    decision = decide(user, Action.DISCLOSE, person)
    if not decision:
        return {"share_refusal": decision.reason}
    return {"share_partners": list(Peer.objects.values_list("node_id", flat=True))}


def _person_forms(request: HttpRequest, person: Any = None) -> tuple[Any, Any, Any]:
    data = request.POST if request.method == "POST" else None
    if person is None:
        return (
            PersonForm(data),
            NameFormSet(data, prefix="names"),
            DocumentFormSet(data, prefix="documents"),
        )
    names = [
        {
            "full_name": n.full_name,
            "kind": n.kind,
            "given_names": n.given_names,
            "family_name": n.family_name,
        }
        for n in person.names.all()
    ]
    documents = [
        {"document_type": d.document_type, "number": d.number, "issuing_country": d.issuing_country}
        for d in person.documents.all()
    ]
    return (
        PersonForm(data, initial=PersonForm.initial_for(person)),
        NameFormSet(data, prefix="names", initial=names),
        DocumentFormSet(data, prefix="documents", initial=documents),
    )


def _save_person(request: HttpRequest, forms: tuple[Any, Any, Any], person: Any = None) -> Any:
    form, names, documents = forms
    if not (form.is_valid() and names.is_valid() and documents.is_valid()):
        return None
    data = form.to_data(names, documents)
    try:
        if person is None:
            return actions.create_person(actor=request.user, data=data, request=request)
        return actions.update_person(actor=request.user, person=person, data=data, request=request)
    except actions.RegistryError as error:
        form.add_error(None, str(error))
    except PermissionDenied as error:
        form.add_error(None, str(error) or _("You are not allowed to do this."))
    return None


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    require(request, Action.CREATE, object_type="person")
    forms = _person_forms(request)
    if request.method == "POST":
        person = _save_person(request, forms)
        if person is not None:
            # The creator opens what they just recorded; that is the purpose, until they
            # state another one.
            request.session.setdefault(PURPOSE_KEY, {"purpose": _("Recording"), "reference": ""})
            messages.success(request, _("Person recorded."))
            return redirect("registry:person", uid=person.uid)
    return _render_person_form(request, forms, None)


@login_required
def person_edit(request: HttpRequest, uid: UUID) -> HttpResponse:
    person = get_person_for_user(request.user, uid)
    require(request, Action.CHANGE, person, object_type="person")
    forms = _person_forms(request, person)
    if request.method == "POST":
        saved = _save_person(request, forms, person)
        if saved is not None:
            messages.success(request, _("Changes saved (version %(v)d).") % {"v": saved.version})
            return redirect("registry:person", uid=saved.uid)
    return _render_person_form(request, forms, person)


def _render_person_form(
    request: HttpRequest, forms: tuple[Any, Any, Any], person: Any
) -> HttpResponse:
    form, names, documents = forms
    context = {"form": form, "names": names, "documents": documents, "person": person}
    return render(request, "registry/person_form.html", context)


@login_required
def name_row(request: HttpRequest, kind: str) -> HttpResponse:
    """htmx: one more empty name or document row for the person form."""
    require(request, Action.CREATE, object_type="person")
    try:
        index = max(0, min(int(request.GET.get("index", "0")), 19))
    except ValueError:
        index = 0
    if kind == "names":
        form: Any = NameForm(prefix=f"names-{index}")
    else:
        from liaison.registry.forms import DocumentForm

        form = DocumentForm(prefix=f"documents-{index}")
    return render(request, "registry/_row.html", {"form": form, "kind": kind})


@login_required
@require_POST
def person_share(request: HttpRequest, uid: UUID) -> HttpResponse:
    person = get_person_for_user(request.user, uid)
    partner = request.POST.get("partner", "")
    try:
        result = share_person(actor=request.user, person=person, partner=partner, request=request)
    except (Refused, PermissionDenied) as error:
        messages.error(request, str(error) or _("You are not allowed to do this."))
    else:
        messages.success(request, _("Shared with %(partner)s.") % {"partner": partner})
        for skipped in result.skipped:
            messages.warning(request, f"{skipped.object_type} {skipped.label}: {skipped.reason}")
    return redirect("registry:person", uid=person.uid)


@login_required
@require_POST
def person_erase(request: HttpRequest, uid: UUID) -> HttpResponse:
    person = get_person_for_user(request.user, uid)
    require(request, Action.DELETE, person, object_type="person")
    form = ErasureForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the erasure."))
        return redirect("registry:person", uid=uid)
    actions.erase_person(
        actor=request.user, person=person, reason=form.cleaned_data["reason"], request=request
    )
    messages.success(request, _("The person and everything attached were erased."))
    return redirect("registry:search")


def _child_form_view(
    request: HttpRequest, uid: UUID, form_class: Any, create: Any, template_title: str
) -> HttpResponse:
    person = get_person_for_user(request.user, uid)
    require(request, Action.CREATE, object_type="person")
    extra = {} if form_class is WarrantForm else {"person": person}
    form = form_class(request.POST or None, **extra)
    inherit_handling(form, person.effective_handling_code)
    if request.method == "POST" and form.is_valid():
        try:
            create(actor=request.user, person=person, data=form.to_data(), request=request)
        except (actions.RegistryError, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("registry:person", uid=person.uid)
    context = {"form": form, "person": person, "title": template_title}
    return render(request, "registry/child_form.html", context)


@login_required
def warrant_create(request: HttpRequest, uid: UUID) -> HttpResponse:
    return _child_form_view(request, uid, WarrantForm, actions.create_warrant, _("New warrant"))


@login_required
def alert_create(request: HttpRequest, uid: UUID) -> HttpResponse:
    return _child_form_view(request, uid, AlertForm, actions.create_alert, _("New alert"))


@login_required
def hit_create(request: HttpRequest, uid: UUID) -> HttpResponse:
    return _child_form_view(request, uid, HitForm, actions.record_hit, _("Record a hit"))


def _transition(request: HttpRequest, record: Any, change: Any, **values: Any) -> HttpResponse:
    try:
        with transaction.atomic():
            change(actor=request.user, request=request, **values)
    except actions.RegistryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Status changed."))
    return redirect("registry:person", uid=record.person.uid)


@login_required
@require_POST
def warrant_status(request: HttpRequest, uid: UUID) -> HttpResponse:
    return _status_change(request, Warrant, uid, actions.set_warrant_status)


@login_required
@require_POST
def alert_status(request: HttpRequest, uid: UUID) -> HttpResponse:
    return _status_change(request, Alert, uid, actions.set_alert_status)


def _status_change(request: HttpRequest, model: Any, uid: UUID, change: Any) -> HttpResponse:
    record = get_record_for_user(request.user, model, uid)
    object_type = model._meta.model_name
    require(request, Action.CHANGE, record, object_type=object_type)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("registry:person", uid=record.person.uid)
    values = {object_type: record, "status": form.cleaned_data["status"]}
    return _transition(request, record, change, **values)


@login_required
@require_POST
def hit_dispose(request: HttpRequest, uid: UUID) -> HttpResponse:
    hit = get_record_for_user(request.user, Hit, uid)
    require(request, Action.CHANGE, hit, object_type="hit")
    form = DispositionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a disposition."))
        return redirect("registry:person", uid=hit.person.uid)
    return _transition(
        request,
        hit,
        actions.dispose_hit,
        hit=hit,
        disposition=form.cleaned_data["disposition"],
        action_taken=form.cleaned_data["action_taken"],
    )


@login_required
@require_POST
def review_extend(request: HttpRequest, kind: str, uid: UUID) -> HttpResponse:
    model = Alert if kind == "alert" else Warrant
    record = get_record_for_user(request.user, model, uid)
    require(request, Action.CHANGE, record, object_type=kind)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a new review date and a justification."))
        return redirect("registry:person", uid=record.person.uid)
    try:
        actions.extend_review(
            actor=request.user,
            record=record,
            new_date=form.cleaned_data["review_date"],
            justification=form.cleaned_data["justification"],
            request=request,
        )
    except actions.RegistryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Review date extended."))
    return redirect("registry:person", uid=record.person.uid)


@login_required
def reviews(request: HttpRequest) -> HttpResponse:
    """Alerts and warrants due for review within four months."""
    require(request, Action.LIST, object_type="person")
    return render(request, "registry/reviews.html", {"due": records_due_for_review(request.user)})
