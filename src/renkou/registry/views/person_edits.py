"""Corrections of a person's record, deregistration (出队) and restore (回档).

Views only translate between forms and the services; the services validate, guard the
version, append the LifeEvent and write the audit row.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from renkou.core.access import Rule
from renkou.core.models import Role, User
from renkou.core.roles import Cap, requires
from renkou.registry import identity
from renkou.registry.forms.persons import DeregisterForm, PersonEditForm, RestoreForm
from renkou.registry.models import LifeEvent, Person
from renkou.registry.selectors import person_get_for_user
from renkou.registry.services.persons import (
    ConflictError,
    person_deregister,
    person_restore,
    person_update,
)

EDITORS = frozenset({Role.TOWNSHIP_CLERK, Role.COUNTY_OFFICER})
# Rule codes of the register whose message belongs next to the birth date.
_BIRTH_DATE_CODES = frozenset({"birth_in_future", "mother_too_young", "death_before_birth"})
_SOURCE = LifeEvent.Source.FORM


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _needs_id_recheck(person: Person, changes: dict[str, Any]) -> bool:
    """Sex and birth date must keep agreeing with the stored ID number (GB 11643)."""
    if "id_number" in changes or person.id_cipher is None:
        return False
    return bool(changes["sex"] != person.sex or changes["birth_date"] != person.birth_date)


def _attach_errors(form: PersonEditForm, exc: ValidationError, id_field: str) -> None:
    """Put the service's messages on the fields they are about."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = id_field if name == "id_number" else name
            messages_ = [m for error in errors for m in error.messages]
            form.add_error(target if target in form.fields else None, messages_)
        return
    for error in exc.error_list:
        field = "birth_date" if error.code in _BIRTH_DATE_CODES else None
        form.add_error(field, error.messages)


def _conflict_rows(form: PersonEditForm, current: Person) -> list[tuple[str, str, str]]:
    rows = []
    for name in PersonEditForm.DIRECT_FIELDS:
        bound = form[name]
        submitted = form.cleaned_data.get(name, "")
        mine = dict(getattr(form.fields[name], "choices", [])).get(submitted, submitted)
        theirs: Any = getattr(current, name)
        display = getattr(current, f"get_{name}_display", None)
        if display is not None:
            theirs = display()
        rows.append((str(bound.label), str(mine), str(theirs)))
    rows.append((_("公民身份号码"), _("（未显示）"), current.id_masked or _("（无）")))
    rows.append((_("联系电话"), _("（未显示）"), current.phone_masked or _("（无）")))
    return rows


def _conflict_response(
    request: HttpRequest, form: PersonEditForm, exc: ConflictError
) -> HttpResponse:
    """Re-show the submitted values beside the record as it is now; resubmitting is a
    deliberate overwrite at the new version, never a silent one."""
    rows = _conflict_rows(form, exc.current)
    data = request.POST.copy()
    data["version"] = str(exc.current.version)
    fresh = PersonEditForm(data)
    fresh.is_valid()
    context = {"person": exc.current, "form": fresh, "conflict": rows}
    return render(request, "registry/person_edit.html", context, status=409)


@require_http_methods(["GET", "POST"])
@requires(Cap.EDIT_REGISTER)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_get_for_user(user=_user(request), pk=pk)
    if request.method != "POST":
        form = PersonEditForm(initial=PersonEditForm.initial_for(person))
        return render(request, "registry/person_edit.html", {"person": person, "form": form})
    form = PersonEditForm(request.POST)
    if form.is_valid():
        response = _save_correction(request, person, form)
        if response is not None:
            return response
    person.refresh_from_db()
    return render(request, "registry/person_edit.html", {"person": person, "form": form})


def _save_correction(
    request: HttpRequest, person: Person, form: PersonEditForm
) -> HttpResponse | None:
    """Call the service; a response when done or in conflict, None when the form now
    carries the service's validation errors."""
    if form.cleaned_data["version"] != person.version:
        # Stale before any check: show the conflict first (the service guards the write
        # itself too, for edits that race past this point).
        return _conflict_response(request, form, ConflictError(person))
    changes = form.changes()
    id_field = "id_number"
    if _needs_id_recheck(person, changes):
        # The service checks the number against sex and birth date only when it is
        # given; hand it the stored one so a sex or date change cannot contradict it.
        changes["id_number"] = identity.id_reveal(person.id_cipher)
        id_field = "sex" if changes["sex"] != person.sex else "birth_date"
    try:
        person_update(
            person=person,
            expected_version=form.cleaned_data["version"],
            changes=changes,
            actor=_user(request),
            source=_SOURCE,
            evidence=form.cleaned_data["evidence"],
        )
    except ConflictError as exc:
        return _conflict_response(request, form, exc)
    except ValidationError as exc:
        _attach_errors(form, exc, id_field)
        return None
    messages.success(request, _("已保存更正。"))
    return redirect("registry:person_detail", pk=person.pk)


def _form_errors(form: Any) -> str:
    return _("；").join(str(m) for errors in form.errors.values() for m in errors)


@require_POST
@requires(Cap.EDIT_REGISTER)
def person_deregister_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_get_for_user(user=_user(request), pk=pk)
    form = DeregisterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("出队未办理：") + _form_errors(form))
        return redirect("registry:person_detail", pk=person.pk)
    try:
        person_deregister(
            person=person,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
            on=form.cleaned_data["on"],
            actor=_user(request),
            source=_SOURCE,
            evidence=form.cleaned_data["evidence"],
        )
    except (ValidationError, ConflictError) as exc:
        text = _("；").join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, _("出队未办理：") + text)
    else:
        messages.success(request, _("已办理出队。"))
    return redirect("registry:person_detail", pk=person.pk)


@require_POST
@requires(Cap.EDIT_REGISTER)
def person_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_get_for_user(user=_user(request), pk=pk)
    form = RestoreForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("回档未办理：") + _form_errors(form))
        return redirect("registry:person_detail", pk=person.pk)
    try:
        person_restore(
            person=person,
            expected_version=form.cleaned_data["version"],
            actor=_user(request),
            evidence=form.cleaned_data["evidence"],
            source=_SOURCE,
        )
    except (ValidationError, ConflictError) as exc:
        text = _("；").join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, _("回档未办理：") + text)
    else:
        messages.success(request, _("已回档。"))
    return redirect("registry:person_detail", pk=person.pk)


urlpatterns = [
    path("persons/<int:pk>/edit/", person_edit, name="person_edit"),
    path("persons/<int:pk>/deregister/", person_deregister_view, name="person_deregister"),
    path("persons/<int:pk>/restore/", person_restore_view, name="person_restore"),
]
ACCESS: dict[str, Rule] = {
    "registry:person_edit": Rule(roles=EDITORS, obj="person"),
    "registry:person_deregister": Rule(roles=EDITORS, obj="person", method="POST"),
    "registry:person_restore": Rule(roles=EDITORS, obj="person", method="POST"),
}
