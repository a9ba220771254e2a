"""Personal data (RGPD): consents, export on request, anonymisation and a person's audit log."""

import datetime
import json
import re

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from coope.core import exports
from coope.core.views import require_perm
from coope.lib import encryption
from coope.lib.pdf import pdf_response, render_pdf
from coope.people import privacy, services
from coope.people.forms_privacy import ConsentForm
from coope.people.models import ConsentKind, ConsentSource, Link, Person, QuotientSource

ACTIONS = {
    "create": gettext_lazy("Création"),
    "update": gettext_lazy("Modification"),
    "consent": gettext_lazy("Consentement"),
    "export": gettext_lazy("Export des données personnelles"),
    "anonymise": gettext_lazy("Anonymisation"),
    "add_member": gettext_lazy("Ajout d'un membre au foyer"),
    "remove_member": gettext_lazy("Retrait d'un membre du foyer"),
    "record_quotient": gettext_lazy("Quotient familial"),
    "take_membership": gettext_lazy("Adhésion"),
    "renew_membership": gettext_lazy("Renouvellement d'adhésion"),
    "change_home_house": gettext_lazy("Changement de maison"),
    "import": gettext_lazy("Import d'un fichier"),
    "delete": gettext_lazy("Suppression"),
    "admin_change": gettext_lazy("Modification (administration)"),
    "admin_delete": gettext_lazy("Suppression (administration)"),
}
MODELS = {
    privacy.PERSON_MODEL: gettext_lazy("Personne"),
    privacy.HOUSEHOLD_MODEL: gettext_lazy("Foyer"),
    privacy.MEMBERSHIP_MODEL: gettext_lazy("Adhésion"),
}
KEYS = {
    "kind": gettext_lazy("consentement"),
    "given": gettext_lazy("donné"),
    "date": gettext_lazy("date"),
    "source": gettext_lazy("source"),
    "person": gettext_lazy("personne"),
    "household": gettext_lazy("foyer"),
    "house": gettext_lazy("maison"),
    "renewed_from": gettext_lazy("renouvelle la carte"),
    "on": gettext_lazy("à partir du"),
    "link": gettext_lazy("lien"),
    "value": gettext_lazy("quotient familial (€)"),
    "valid_from": gettext_lazy("valable à partir du"),
    "format": gettext_lazy("format"),
    "erased": gettext_lazy("champs effacés"),
    "households_erased": gettext_lazy("foyers effacés (n°)"),
    "audit_entries_cleaned": gettext_lazy("entrées du journal nettoyées"),
    "via": gettext_lazy("étape"),
}
# Values stored as codes in entries whose key is not a field of the audited model.
CHOICES = {
    ("consent", "kind"): ConsentKind.choices,
    ("consent", "source"): ConsentSource.choices,
    ("add_member", "link"): Link.choices,
    ("record_quotient", "source"): QuotientSource.choices,
}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
HIDDEN = gettext_lazy("(masqué)")


def _get_person(pk: int) -> Person:
    """404 both when the person does not exist and when they belong to another cooperation."""
    return get_object_or_404(Person.objects.select_related("home_house", "cooperation"), pk=pk)


@require_perm("people.edit")
def consents(request, pk):
    person = _get_person(pk)
    form = ConsentForm(request.POST or None)
    if request.method == "POST":
        if person.anonymised_at is not None:
            messages.error(
                request,
                _("Cette personne est anonymisée : plus aucun consentement ne se recueille."),
            )
            return redirect("privacy:consents", pk=person.pk)
        if form.is_valid():
            data = form.cleaned_data
            services.record_consent(
                actor=request.user,
                person=person,
                kind=data["kind"],
                given=data["given"],
                date=data["date"],
                source=data["source"],
            )
            messages.success(request, _("Consentement enregistré."))
            return redirect("privacy:consents", pk=person.pk)
    current = services.current_consents(person)
    return render(
        request,
        "privacy/consents.html",
        {
            "person": person,
            "form": form,
            "current": [(kind.label, current.get(kind.value)) for kind in ConsentKind],
            "history": person.consents.order_by("-date", "-pk"),
        },
    )


@require_perm("people.export_personal_data")
def export_json(request, pk):
    person = _get_person(pk)
    data = privacy.export_person_data(actor=request.user, person=person, file_format="json")
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = (
        f'attachment; filename="donnees-personnelles-{person.pk}.json"'
    )
    return exports.no_store(response)  # audited by export_person_data


@require_perm("people.export_personal_data")
def export_pdf(request, pk):
    person = _get_person(pk)
    data = privacy.export_person_data(actor=request.user, person=person, file_format="pdf")
    journal = [
        {**entry, "modifications": json.dumps(entry["modifications"], ensure_ascii=False)}
        for entry in data["journal"]
    ]
    sections = privacy.export_sections(data)  # what the other apps hold, with French headings
    pdf = render_pdf(
        "privacy/export_pdf.html",
        {"data": data, "journal": journal, "sections": sections},
        request=request,
    )
    return exports.no_store(  # audited by export_person_data
        pdf_response(pdf, f"donnees-personnelles-{person.pk}.pdf", inline=False)
    )


@require_perm("people.anonymise")
@require_http_methods(["GET", "POST"])
def anonymise(request, pk):
    person = _get_person(pk)
    if request.method == "POST":
        try:
            privacy.anonymise_person(actor=request.user, person=person)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("La personne a été anonymisée. Ses chiffres restent comptés.")
            )
        return redirect("people:person", pk=person.pk)
    return render(
        request,
        "privacy/anonymise.html",
        {
            "person": person,
            "memberships": privacy.memberships_of(person).count(),
            "visits": person.visits.count(),
        },
    )


def _describe(entry, *, show_sensitive: bool) -> list[tuple[str, str]]:
    """The changes of an audit entry as (what, value) lines, sensitive values hidden if need be."""
    changes = entry.changes if isinstance(entry.changes, dict) else {"": entry.changes}
    # An import's entry keeps the step of the service that wrote the row (coope.imports).
    step = changes.get("via", entry.action) if entry.action == "import" else entry.action
    lines = []
    for key, value in changes.items():
        sensitive = key in Person.SENSITIVE_FIELDS or (step == "record_quotient" and key == "value")
        sensitive = sensitive or getattr(_field(entry.model, key), "encrypted_at_rest", False)
        if sensitive and show_sensitive:
            value = encryption.revealed(value)  # kept encrypted in the log
        field = _field(entry.model, key)
        choices = CHOICES.get((step, key)) or (field.choices if field else None)
        if key == "via":
            text = str(ACTIONS.get(value, value))
        elif sensitive and not show_sensitive:
            text = str(HIDDEN)
        elif isinstance(value, list) and len(value) == 2 and (step == "update" or field):
            text = f"{_shown(value[0], field, choices)} → {_shown(value[1], field, choices)}"
        else:
            text = _shown(value, field, choices)
        name = key.removesuffix("_id")
        label = field.verbose_name if field and name not in KEYS else KEYS.get(name, key)
        if key.endswith("_cents"):  # shown in euros: « (centimes) » is how it is stored
            label = re.sub(r"\s*\(centimes\)", "", str(label)) + " (€)"
        lines.append((str(label), text))
    return lines


def _field(model: str, key: str):
    try:
        return apps.get_model(model)._meta.get_field(key.removesuffix("_id"))
    except (LookupError, ValueError, FieldDoesNotExist):
        return None


def _shown(value, field, choices) -> str:
    """A value as the person reading the journal knows it: a house or a person by its name
    (not its number), an amount in euros."""
    if field is not None and field.is_relation and isinstance(value, int):
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else _("n° %(pk)s (supprimé)") % {"pk": value}
    if field is not None and field.name.endswith("_cents") and isinstance(value, int):
        return f"{value / 100:.2f}".replace(".", ",")
    return _display(value, choices)


def _display(value, choices=None) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if choices and value in dict(choices):
        return str(dict(choices)[value])
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
    return str(value)


@require_perm("audit.view")
def audit_log(request, pk):
    person = _get_person(pk)
    show_sensitive = request.user.has_coope_perm("people.view_sensitive")
    entries = privacy.audit_entries_about(person).order_by("-at", "-pk")[:500]
    rows = [
        {
            "entry": entry,
            "action": ACTIONS.get(entry.action, entry.action),
            "model": MODELS.get(entry.model, entry.model),
            "changes": _describe(entry, show_sensitive=show_sensitive),
        }
        for entry in entries
    ]
    return render(request, "privacy/audit.html", {"person": person, "rows": rows})
