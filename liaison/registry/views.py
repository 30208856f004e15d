"""Registry pages: authorise by scoped lookup, validate, call one action, render."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import TextChoices
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.audit.actions import log_event
from liaison.audit.labels import object_type_label
from liaison.exchange.queries import service_names_for, share_outcome
from liaison.policy import Action, decide, require
from liaison.refusals import Refused
from liaison.registry import actions
from liaison.registry.choices import (
    ALERT_TRANSITIONS,
    HIT_OUTCOME_TRANSITIONS,
    HIT_TRANSITIONS,
    WARRANT_TRANSITIONS,
    AlertStatus,
    HitDecisionKind,
    HitDisposition,
    WarrantStatus,
    is_final,
)
from liaison.registry.forms import (
    AlertForm,
    DispositionForm,
    DocumentFormSet,
    ErasureForm,
    ExtensionForm,
    HitDecisionForm,
    HitForm,
    HitOutcomeForm,
    HitUpdateForm,
    NameFormSet,
    PersonForm,
    PurposeForm,
    SearchForm,
    StatusForm,
    WarrantForm,
    inherit_handling,
)
from liaison.registry.models import Alert, Hit, HitDecision, Warrant
from liaison.registry.panels import person_panels
from liaison.registry.queries import (
    get_person_for_user,
    get_record_for_user,
    owner_services,
    persons_visible_to,
    records_due_for_review,
)
from liaison.registry.search import search_detail, search_persons
from liaison.registry.sharing.panel import person_sharing
from liaison.registry.sharing.share import share_person
from liaison.registry.timeline import person_timeline
from liaison.share_status import partner_choices, shared_before

PURPOSE_KEY = "registry_purpose"
SAVED_FORMS_KEY = "registry_saved_forms"
MAX_SAVED_FORMS = 50
PAGE_SIZE = 50
CRITERIA = ("name", "date_of_birth", "nationality")


def _purpose(request: HttpRequest) -> dict[str, str] | None:
    """The purpose last stated: {"purpose", "reference", "record"}. "record" is the uid of
    the one record it was stated for, or "" while it waits for the first record opened
    after it (a search's, or one stated on the purpose page)."""
    value = request.session.get(PURPOSE_KEY)
    return value if isinstance(value, dict) else None


def _remember_purpose(request: HttpRequest, form: PurposeForm, record: str = "") -> dict[str, str]:
    purpose = {
        "purpose": form.cleaned_data["purpose"],
        "reference": form.cleaned_data["reference"],
        "record": record,
    }
    request.session[PURPOSE_KEY] = purpose
    return purpose


def _purpose_for(request: HttpRequest, uid: str) -> dict[str, str] | None:
    """The purpose of opening record `uid`: the one stated for it, or one stated for no
    record yet (which this record then takes). A purpose stated for another record is not
    reused silently: the purpose page asks, offering to confirm the same one."""
    stated = _purpose(request)
    if stated is None or stated.get("record", "") not in ("", uid):
        return None
    if stated.get("record", "") == "":
        stated = {**stated, "record": uid}
        request.session[PURPOSE_KEY] = stated
    return stated


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
    """State why you open a record (each record asks; the same purpose as for the previous
    one only when the user says so)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("registry:search")
    record = _record_of(target)
    previous = _purpose(request)
    if previous is not None and previous.get("record", "") in ("", record):
        previous = None  # nothing to confirm: it applies already (or to no record yet)
    same = request.method == "POST" and previous is not None and "same_purpose" in request.POST
    if same and previous is not None:
        request.session[PURPOSE_KEY] = {**previous, "record": record}
        return redirect(target)
    form = PurposeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        _remember_purpose(request, form, record)
        return redirect(target)
    context = {
        "form": form,
        "next": target,
        "previous": previous,
        "previous_label": _record_label(request, previous),
    }
    return render(request, "registry/purpose.html", context)


def _record_of(path: str) -> str:
    """The uid of the person a registry path opens, or "" for any other page."""
    from django.urls import Resolver404, resolve

    try:
        match = resolve(path.split("?", 1)[0])
    except Resolver404:
        return ""
    return str(match.kwargs.get("uid", "")) if match.view_name == "registry:person" else ""


def _record_label(request: HttpRequest, stated: dict[str, str] | None) -> str:
    """What the previous purpose was stated for, as the user knows it."""
    from django.http import Http404

    if stated is None:
        return ""
    try:
        person = get_person_for_user(request.user, UUID(stated["record"]))
    except (Http404, PermissionDenied, ValueError, KeyError):
        return _("the previous record")
    return str(person)


@login_required
def person_detail(request: HttpRequest, uid: UUID) -> HttpResponse:
    person = get_person_for_user(request.user, uid)
    stated = _purpose_for(request, str(person.uid))
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
    user = request.user
    hits = list(person.hits.all())
    decisions: dict[int, list[HitDecision]] = {}
    for decision in HitDecision.objects.filter(hit__in=hits).order_by("decided_on", "id"):
        decisions.setdefault(decision.hit_id, []).append(decision)
    for hit in hits:
        hit.decision_list = decisions.get(hit.pk, [])
        # Per hit, not per person: a hit we recorded on a partner's person is ours to
        # follow up even though the person is not ours to change.
        hit.can_change = hit.is_local and bool(decide(user, Action.CHANGE, hit))
        hit.outcome_open = hit.can_change and _outcome_open(hit, hit.decision_list)
    return {
        "person": person,
        "hits": hits,
        "timeline": person_timeline(person),
        "can_change": decide(user, Action.CHANGE, person).allowed,
        "can_delete": decide(user, Action.DELETE, person).allowed,
        "can_create": decide(user, Action.CREATE).allowed,
        "can_extend": decide(user, Action.EXTEND).allowed,
        "can_decide": decide(user, Action.DECIDE).allowed and person.is_local,
        "purpose": _purpose(request),
        "panels": person_panels(user, person),
        **_share_context(request, person),
        **person_sharing(user, person),
    }


def _share_context(request: HttpRequest, person: Any) -> dict[str, Any]:
    """The partners a liaison officer may share this person with, or why not."""
    user = request.user
    if not user.has_perm("accounts.disclose_records"):
        return {}
    decision = decide(user, Action.DISCLOSE, person)
    if not decision:
        return {"share_refusal": decision.reason}
    return {"share_partners": partner_choices(request)}


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


# One-time form tokens: a form saved once and posted again (the back button, a double
# click, a reload) leads to what it saved instead of recording it twice.


def _form_token(request: HttpRequest) -> str:
    token = request.POST.get("form_token", "")
    return token if len(token) == 32 and token.isalnum() else uuid4().hex


def _already_saved(request: HttpRequest) -> HttpResponse | None:
    saved = request.session.get(SAVED_FORMS_KEY, {})
    target = saved.get(request.POST.get("form_token", "")) if isinstance(saved, dict) else None
    if not target:
        return None
    messages.info(request, _("This form was already saved; here is what it recorded."))
    return redirect(target)


def _mark_saved(request: HttpRequest, target: str) -> None:
    token = request.POST.get("form_token", "")
    if not token:
        return
    saved = request.session.get(SAVED_FORMS_KEY, {})
    saved = dict(list(saved.items())[-(MAX_SAVED_FORMS - 1) :]) if isinstance(saved, dict) else {}
    saved[token] = target
    request.session[SAVED_FORMS_KEY] = saved


# Before recording a person: the persons already recorded who are likely the same one.

DUPLICATE_CHECK_NAMES = 3


def _likely_duplicates(request: HttpRequest, data: actions.PersonData) -> list[Any]:
    """Persons the user may see who match a given name (with the date of birth, if given),
    found by the matcher as a search would; shown to the user, so audited as a search."""
    if not decide(request.user, Action.SEARCH):
        return []
    scope = persons_visible_to(request.user, Action.SEARCH)
    dob = data.birth_dates[0] if data.birth_dates else ""
    found: dict[Any, Any] = {}
    for name in [n.full_name for n in data.names if n.full_name.strip()][:DUPLICATE_CHECK_NAMES]:
        for result in search_persons(scope, name=name, date_of_birth=dob, limit=10).results:
            if result.person.pk not in found or found[result.person.pk].score < result.score:
                found[result.person.pk] = result
    results = sorted(found.values(), key=lambda r: -r.score)[:10]
    if results:
        log_event(
            action="consult",
            request=request,
            object_type="person-search",
            purpose=_("Checking for a duplicate before recording a person"),
            detail={
                "criteria": ["name", *(["date_of_birth"] if dob else [])],
                "results": [str(r.person.uid) for r in results],
                "duplicate_check": True,
            },
        )
    return results


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    require(request, Action.CREATE, object_type="person")
    forms = _person_forms(request)
    duplicates: list[Any] = []
    if request.method == "POST":
        if (done := _already_saved(request)) is not None:
            return done
        form, names, documents = forms
        if (
            form.is_valid()
            and names.is_valid()
            and documents.is_valid()
            and request.POST.get("create_anyway") != "1"
        ):
            duplicates = _likely_duplicates(request, form.to_data(names, documents))
        person = None if duplicates else _save_person(request, forms)
        if person is not None:
            # The creator opens what they just recorded: that is the purpose, for this
            # record only.
            request.session[PURPOSE_KEY] = {
                "purpose": _("Recording"),
                "reference": "",
                "record": str(person.uid),
            }
            _mark_saved(request, reverse("registry:person", kwargs={"uid": person.uid}))
            messages.success(request, _("Person recorded."))
            return redirect("registry:person", uid=person.uid)
    return _render_person_form(request, forms, None, duplicates=duplicates)


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
    request: HttpRequest, forms: tuple[Any, Any, Any], person: Any, duplicates: Any = ()
) -> HttpResponse:
    form, names, documents = forms
    context = {
        "form": form,
        "names": names,
        "documents": documents,
        "formsets": [names, documents],
        "person": person,
        "duplicates": duplicates,
        "form_token": _form_token(request),
    }
    return render(request, "registry/person_form.html", context)


@login_required
def name_row(request: HttpRequest, kind: str) -> HttpResponse:
    """htmx: one more empty name or document row for the person form."""
    require(request, Action.CREATE, object_type="person")
    try:
        index = max(0, min(int(request.GET.get("index", "0")), 19))
    except ValueError:
        index = 0
    formset = (NameFormSet if kind == "names" else DocumentFormSet)(prefix=kind)
    form = formset.form(
        prefix=f"{kind}-{index}", empty_permitted=True, use_required_attribute=False
    )
    formset.add_fields(form, index)  # the "Remove" checkbox
    return render(request, "registry/_row.html", {"form": form, "kind": kind})


@login_required
@require_POST
def person_share(request: HttpRequest, uid: UUID) -> HttpResponse:
    person = get_person_for_user(request.user, uid)
    partner = request.POST.get("partner", "")
    before = shared_before("person", person.uid, partner)
    try:
        result = share_person(actor=request.user, person=person, partner=partner, request=request)
    except (Refused, PermissionDenied) as error:
        messages.error(request, str(error) or _("You are not allowed to do this."))
    else:
        service = service_names_for(request).get(partner, partner)
        messages.success(request, share_outcome(before, service, person.version))
        for skipped in result.skipped:
            what = {"record": object_type_label(skipped.object_type), "name": skipped.label}
            messages.warning(
                request,
                _("Not shared: %(record)s %(name)s. %(reason)s")
                % {**what, "reason": skipped.reason},
            )
    return redirect("registry:person", uid=person.uid)


@login_required
def person_erase(request: HttpRequest, uid: UUID) -> HttpResponse:
    """GET: what the erasure removes, here and at partners; POST (with a reason) erases."""
    from liaison.registry.sharing.share import holders

    person = get_person_for_user(request.user, uid)
    require(request, Action.DELETE, person, object_type="person")
    form = ErasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.erase_person(
                actor=request.user,
                person=person,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except actions.RegistryError as error:
            form.add_error("reason", str(error))
        else:
            messages.success(request, _("The person and everything attached were erased."))
            return redirect("registry:search")
    context = {
        "person": person,
        "form": form,
        "services": holders("person", person.uid),
        "counts": {
            "warrants": len(person.warrants.all()),
            "alerts": len(person.alerts.all()),
            "hits": len(person.hits.all()),
        },
    }
    return render(request, "registry/confirm_erase.html", context)


def _child_form_view(
    request: HttpRequest, uid: UUID, form_class: Any, create: Any, template_title: str
) -> HttpResponse:
    person = get_person_for_user(request.user, uid)
    require(request, Action.CREATE, object_type="person")
    extra = {} if form_class is WarrantForm else {"person": person}
    form = form_class(request.POST or None, **extra)
    inherit_handling(form, person.effective_handling_code)
    if request.method == "POST" and (done := _already_saved(request)) is not None:
        return done
    if request.method == "POST" and form.is_valid():
        try:
            create(actor=request.user, person=person, data=form.to_data(), request=request)
        except (actions.RegistryError, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            _mark_saved(request, reverse("registry:person", kwargs={"uid": person.uid}))
            messages.success(request, _("Saved."))
            return redirect("registry:person", uid=person.uid)
    context = {
        "form": form,
        "person": person,
        "title": template_title,
        "form_token": _form_token(request),
    }
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


# Status changes: a button leads to a confirmation page that says what will happen, here
# and at partners; the POST (with its reason when the step is final) applies it.

STATUS_TABLES: dict[str, tuple[dict[str, set[str]], type[TextChoices]]] = {
    "warrant": (WARRANT_TRANSITIONS, WarrantStatus),
    "alert": (ALERT_TRANSITIONS, AlertStatus),
    "hit": (HIT_TRANSITIONS, HitDisposition),
}


STATUS_MODELS: dict[str, type[Warrant] | type[Alert] | type[Hit]] = {
    "warrant": Warrant,
    "alert": Alert,
    "hit": Hit,
}


def _partner_effect(kind: str, record: Any, target: str) -> tuple[list[str], bool]:
    """The services holding a copy of `record`, and whether they lose it (else: updated)."""
    from liaison.registry.sharing.share import holders

    if kind == "hit":
        return holders("hit", record.uid), False
    withdrawn = (
        actions.WARRANT_WITHDRAWN_AT_PARTNERS
        if kind == "warrant"
        else actions.ALERT_WITHDRAWN_AT_PARTNERS
    )
    return holders(kind, record.uid), target in withdrawn


def _confirm_status(
    request: HttpRequest, kind: str, record: Any, form: Any, target: str
) -> HttpResponse:
    table, labels = STATUS_TABLES[kind]
    services, withdrawn = _partner_effect(kind, record, target)
    current = record.disposition if kind == "hit" else record.status
    context = {
        "kind": kind,
        "record": record,
        "person": record.person,
        "form": form,
        "current": labels(current).label,
        "target": labels(target).label,
        "final": is_final(table, target),
        "services": services,
        "withdrawn": withdrawn,
        "cancel": reverse("registry:person", kwargs={"uid": record.person.uid}),
    }
    return render(request, "registry/confirm_status.html", context)


def _status_page(request: HttpRequest, kind: str, uid: UUID, change: Any) -> HttpResponse:
    model = STATUS_MODELS[kind]
    record = get_record_for_user(request.user, model, uid)
    require(request, Action.CHANGE, record, object_type=kind)
    table, labels = STATUS_TABLES[kind]
    field = "disposition" if kind == "hit" else "status"
    form_class = DispositionForm if kind == "hit" else StatusForm
    data = request.POST if request.method == "POST" else None
    target = (data or request.GET).get(field, "")
    try:
        actions.check_transition(table, labels, getattr(record, field), target)
    except actions.RegistryError as error:
        messages.error(request, str(error))
        return redirect("registry:person", uid=record.person.uid)
    initial = {field: target, "action_taken": getattr(record, "action_taken", "")}
    form = form_class(data, initial=initial)
    if data is not None and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != field}
        try:
            change(actor=request.user, request=request, **{kind: record, field: target}, **values)
        except actions.RegistryError as error:
            form.add_error("reason", str(error))
        else:
            messages.success(request, _("Status changed."))
            return redirect("registry:person", uid=record.person.uid)
    return _confirm_status(request, kind, record, form, target)


@login_required
def warrant_status(request: HttpRequest, uid: UUID) -> HttpResponse:
    return _status_page(request, "warrant", uid, actions.set_warrant_status)


@login_required
def alert_status(request: HttpRequest, uid: UUID) -> HttpResponse:
    return _status_page(request, "alert", uid, actions.set_alert_status)


@login_required
def hit_dispose(request: HttpRequest, uid: UUID) -> HttpResponse:
    return _status_page(request, "hit", uid, actions.dispose_hit)


# Hit follow-up between services (SIRENE "form G")


@login_required
def hit_decide(request: HttpRequest, uid: UUID) -> HttpResponse:
    """The person's owner answers a partner's hit: a decision and a message back."""
    hit = get_record_for_user(request.user, Hit, uid)
    require(request, Action.DECIDE, hit, object_type="hit")
    refusal = actions.decision_refusal(hit)
    if refusal:
        messages.error(request, refusal)
        return redirect("registry:person", uid=hit.person.uid)
    form = HitDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.decide_hit(
                actor=request.user,
                hit=hit,
                decision=form.cleaned_data["decision"],
                message=form.cleaned_data["message"],
                request=request,
            )
        except actions.RegistryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Decision sent to the partner's service."))
            return redirect("registry:person", uid=hit.person.uid)
    context = {
        "hit": hit,
        "person": hit.person,
        "form": form,
        "service": _service_name(hit.owner_node),
        "decisions": list(hit.decisions.all()),
        "alert_located": hit.alert is not None
        and hit.alert.is_local
        and hit.alert.status == AlertStatus.ACTIVE,
    }
    return render(request, "registry/hit_decide.html", context)


@login_required
def hit_update(request: HttpRequest, uid: UUID) -> HttpResponse:
    """The recorder adds the action taken or the details the owner asked for."""
    hit = get_record_for_user(request.user, Hit, uid)
    require(request, Action.CHANGE, hit, object_type="hit")
    form = HitUpdateForm(request.POST or None, initial={"action_taken": hit.action_taken})
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_hit(
                actor=request.user,
                hit=hit,
                action_taken=form.cleaned_data["action_taken"],
                request=request,
            )
        except actions.RegistryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Hit updated."))
            return redirect("registry:person", uid=hit.person.uid)
    context = {"form": form, "person": hit.person, "title": _("Update the hit")}
    return render(request, "registry/child_form.html", context)


def _outcome_open(hit: Hit, decisions: list[HitDecision]) -> bool:
    """The recorder may record an outcome on the hit (read from what is loaded: no query)."""
    confirmed = hit.disposition == HitDisposition.CONFIRMED or any(
        d.decision == HitDecisionKind.CONFIRMED for d in decisions
    )
    return hit.is_local and confirmed and bool(HIT_OUTCOME_TRANSITIONS[hit.outcome])


@login_required
def hit_outcome(request: HttpRequest, uid: UUID) -> HttpResponse:
    """The recorder says what became of the person after a confirmed hit, and when."""
    hit = get_record_for_user(request.user, Hit, uid)
    require(request, Action.CHANGE, hit, object_type="hit")
    refusal = actions.outcome_refusal(hit)
    if refusal:
        messages.error(request, refusal)
        return redirect("registry:person", uid=hit.person.uid)
    form = HitOutcomeForm(request.POST or None, choices=actions.next_outcomes(hit))
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_hit_outcome(
                actor=request.user,
                hit=hit,
                outcome=form.cleaned_data["outcome"],
                on=form.cleaned_data["on"],
                request=request,
            )
        except actions.RegistryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Outcome recorded."))
            return redirect("registry:person", uid=hit.person.uid)
    context = {"form": form, "person": hit.person, "title": _("What became of the person")}
    return render(request, "registry/child_form.html", context)


def _service_name(node_id: str) -> str:
    from liaison.exchange.models import Peer

    peer = Peer.objects.filter(node_id=node_id).first()
    return (peer.agency if peer is not None else "") or node_id


@login_required
@require_POST
def review_extend(request: HttpRequest, kind: str, uid: UUID) -> HttpResponse:
    model = Alert if kind == "alert" else Warrant
    record = get_record_for_user(request.user, model, uid)
    require(request, Action.EXTEND, record, object_type=kind)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
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
