"""The cannery's screens, made for a coordinator's phone during a workshop. Thin views over the
services; every lookup is scoped to the signed-in account's cooperation (404 otherwise)."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coope.cannery import services
from coope.cannery.forms import (
    BatchForm,
    CollectionForm,
    MovementForm,
    RecallForm,
    SterilisationForm,
    cents,
    grams,
)
from coope.cannery.geography import coordinates, place_labels
from coope.cannery.models import Batch, Collection, Lot, MovementKind, Producer, RecipeKind, Tour
from coope.cannery.tracing import recall_statement, trace_collection, trace_lot
from coope.core.models import Association
from coope.core.permissions import user_associations
from coope.core.views import require_perm
from coope.lib.pdf import pdf_response, render_pdf
from coope.people.models import Person

RECENT = 20


def _workshops(request):
    """The workshops that have begun, latest first: what is made, collected or sold happens at
    one of them."""
    return (
        services.workshops(request.cooperation)
        .filter(starts_at__lte=timezone.now())
        .select_related("house", "activity")  # a session is named by its activity
        .order_by("-starts_at")
    )


def _errors_to(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


@require_perm("cannery.view")
def index(request):
    code = request.GET.get("lot", "").replace("\x00", "").strip()
    if code:
        lot = Lot.objects.filter(code__iexact=code).first()
        if lot is not None:
            return redirect("cannery:lot", pk=lot.pk)
        messages.error(request, _("Aucun lot ne porte le numéro « %(c)s ».") % {"c": code})
    return render(
        request,
        "cannery/index.html",
        {
            "cannery": services.cannery_of(request.cooperation),
            "workshops": _workshops(request)[:5],
            "coming": services.workshops(request.cooperation)
            .filter(starts_at__gt=timezone.now())
            .select_related("house")
            .order_by("starts_at")[:3],
            "recalled": Lot.objects.filter(recalled_at__isnull=False).order_by("-recalled_at")[
                :RECENT
            ],
            "batches": Batch.objects.select_related("recipe", "session").order_by(
                "-made_on", "-pk"
            )[:RECENT],
            "collections": Collection.objects.select_related("producer").order_by("-date", "-pk")[
                :RECENT
            ],
        },
    )


@require_perm("cannery.record")
def collection_create(request):
    form = CollectionForm(
        request.POST or None,
        workshops=_workshops(request),
        initial={"session": request.GET.get("atelier")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            collection = services.record_collection(
                actor=request.user,
                producer=data["producer"],
                date=data["date"],
                produce=data["produce"],
                variety=data["variety"],
                weight_grams=grams(data["weight_kilos"]),
                acquisition=data["acquisition"],
                price_cents=cents(data["price_euros"]),
                quality=data["quality"],
                session=data["session"],
                tour=data["tour"],
            )
        except ValidationError as error:
            _errors_to(form, error)
        else:
            messages.success(request, _("Collecte enregistrée : %(c)s.") % {"c": collection})
            return redirect("cannery:index")
    return render(
        request,
        "cannery/form.html",
        {"form": form, "title": _("Nouvelle collecte"), "submit": _("Enregistrer la collecte")},
    )


@require_perm("cannery.view")
def collection_detail(request, pk):
    collection = get_object_or_404(
        Collection.objects.select_related("producer", "tour", "session"), pk=pk
    )
    return render(
        request,
        "cannery/collection.html",
        {"collection": collection, "inputs": trace_collection(collection)},
    )


@require_perm("cannery.record")
def batch_create(request):
    form = BatchForm(
        request.POST or None,
        workshops=_workshops(request),
        initial={"session": request.GET.get("atelier")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.record_batch(
                actor=request.user,
                session=data["session"],
                recipe=data["recipe"],
                inputs=form.inputs(),
                jars_by_size=form.jars_by_size(),
                soup_centilitres=int((data["soup_litres"] or 0) * 100),
                sterilisation=form.sterilisation(),
            )
        except ValidationError as error:
            _errors_to(form, error)
        else:
            messages.success(request, _("Fabrication %(b)s enregistrée.") % {"b": batch.code})
            return redirect("cannery:batch", pk=batch.pk)
    return render(
        request,
        "cannery/form.html",
        {
            "form": form,
            "title": _("Nouvelle fabrication"),
            "submit": _("Enregistrer la fabrication"),
        },
    )


def _batch(pk):
    return get_object_or_404(
        Batch.objects.select_related("recipe", "session", "released_by"), pk=pk
    )


@require_perm("cannery.view")
def batch_detail(request, pk):
    batch = _batch(pk)
    sterilisation = getattr(batch, "sterilisation", None)
    form = SterilisationForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_coope_perm("cannery.record"):
            raise Http404
        try:
            if "release" in request.POST:
                services.release_batch(actor=request.user, batch=batch)
                messages.success(
                    request, _("Fabrication libérée : ses bocaux peuvent être vendus et donnés.")
                )
                return redirect("cannery:batch", pk=batch.pk)
            if form.is_valid():
                services.record_sterilisation(actor=request.user, batch=batch, **form.cleaned_data)
                messages.success(request, _("Stérilisation enregistrée."))
                return redirect("cannery:batch", pk=batch.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("cannery:batch", pk=batch.pk)
    return render(
        request,
        "cannery/batch.html",
        {
            "batch": batch,
            "sterilisation": sterilisation,
            "problems": sterilisation.problems(batch.recipe) if sterilisation else [],
            "inputs": batch.inputs.select_related("collection__producer"),
            "lots": batch.lots.all(),
            "ingredients": batch.recipe.ingredients.all(),
            "form": form,
            "is_soup": batch.recipe.kind == RecipeKind.SOUP,
        },
    )


@require_perm("cannery.view")
def labels_pdf(request, pk):
    """One label per jar made, on A4 sheets."""
    batch = _batch(pk)
    cannery = services.cannery_of(request.cooperation)
    lots = list(batch.lots.all())
    labels = [lot for lot in lots for _ in range(lot.jars_made)]
    if not labels:  # a soup: nothing to label, not a blank page
        messages.info(
            request, _("Cette fabrication n'a pas de bocaux : pas d'étiquette à imprimer.")
        )
        return redirect("cannery:batch", pk=batch.pk)
    pdf = render_pdf(
        "cannery/labels_pdf.html",
        {
            "batch": batch,
            "labels": labels,
            "cannery": cannery,
            "ingredients": batch.recipe.ingredients_text(),
        },
        request=request,
    )
    return pdf_response(pdf, f"etiquettes-{batch.code}.pdf")


def _lot(pk):
    return get_object_or_404(Lot.objects.select_related("batch__recipe"), pk=pk)


@require_perm("cannery.view")
def lot_detail(request, pk):
    trace = trace_lot(_lot(pk))
    return render(
        request,
        "cannery/lot.html",
        {
            "trace": trace,
            "lot": trace.lot,
            "actions": MovementForm.ACTIONS,
            "blocked": trace.lot.recalled_at is not None or trace.lot.batch.released_at is None,
            "recall_form": RecallForm(),
            # Buyers are people: shown by number to a role that may not see people.
            "with_names": request.user.has_coope_perm("people.view"),
        },
    )


def _association_for_sale(request, location) -> Association:
    """Whose shop account is paid: the house's association, else the coordinator's own."""
    if location.house_id is not None:
        return location.house.association
    association = (
        Association.objects.filter(pk__in=user_associations(request.user, "cannery.record"))
        .order_by("pk")
        .first()
    )
    if association is None:
        raise ValidationError(
            _("Votre compte n'est rattaché à aucune association : vente en temps impossible.")
        )
    return association


PAYER_CHOICES = 10


class SeveralPayers(Exception):  # noqa: N818 (not a failure: the person must choose)
    def __init__(self, people):
        self.people = people


def _payer(text: str, payer_id: int | None) -> Person:
    """The payer among the time-bank members: the one chosen, or the only one matching the text.
    Several namesakes: the page lists them to choose from (SeveralPayers)."""
    members = Person.objects.filter(time_account__isnull=False, anonymised_at__isnull=True)
    if payer_id:
        chosen = members.filter(pk=payer_id).first()
        if chosen is not None:
            return chosen
    people = list(members.search(text).select_related("home_house")[:PAYER_CHOICES])
    if not people:
        raise ValidationError(
            {
                "payer": _(
                    "Aucun membre TIC-TAC ne correspond à « %(t)s » : vérifiez le nom ou le "
                    "numéro de carte, ou ouvrez d'abord son compte TIC-TAC."
                )
                % {"t": text}
            }
        )
    if len(people) > 1:
        raise SeveralPayers(people)
    return people[0]


@require_perm("cannery.record")
def lot_move(request, pk, action):
    lot = _lot(pk)
    titles = dict(MovementForm.ACTIONS)
    if action not in titles:
        raise Http404
    form = MovementForm(
        request.POST or None,
        lot=lot,
        action=action,
        workshops=_workshops(request),
        initial={"idempotency_key": uuid.uuid4().hex},
    )
    candidates = []
    if request.method == "POST" and form.is_valid():
        data, actor = form.cleaned_data, request.user
        common = {"actor": actor, "lot": lot, "jars": data["jars"], "location": data["location"]}
        try:
            if action == "sell_euros":
                services.sell_jars_for_euros(
                    **common, price_cents=cents(data["price_euros"]), buyer=data["buyer"]
                )
            elif action == "sell_time":
                services.sell_jars_for_time(
                    **common,
                    payer=_payer(data["payer"], data["payer_id"]),
                    minutes=data["minutes"],
                    association=_association_for_sale(request, data["location"]),
                    idempotency_key=data["idempotency_key"] or uuid.uuid4().hex,
                )
            elif action == "give":
                services.give_jars(**common, session=data["session"])
            elif action == "return":
                services.return_jars(**common, producer=data["producer"])
            elif action == "move":
                services.move_jars(
                    actor=actor,
                    lot=lot,
                    jars=data["jars"],
                    from_location=data["location"],
                    to_location=data["to_location"],
                )
            else:
                services.record_loss(**common, note=data["note"])
        except SeveralPayers as several:
            candidates = several.people
        except ValidationError as error:
            _errors_to(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(a)s enregistrée : %(n)s bocal du lot %(l)s.",
                    "%(a)s enregistrée : %(n)s bocaux du lot %(l)s.",
                    data["jars"],
                )
                % {"a": titles[action], "n": data["jars"], "l": lot.code},
            )
            return redirect("cannery:lot", pk=lot.pk)
    return render(
        request,
        "cannery/form.html",
        {
            "form": form,
            "title": f"{titles[action]} · {lot.code}",
            "submit": _("Enregistrer"),
            "lot": lot,
            "candidates": candidates,
        },
    )


@require_perm("cannery.recall")
def lot_recall(request, pk):
    lot = _lot(pk)
    form = RecallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.recall_lot(actor=request.user, lot=lot, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Lot %(l)s rappelé : sa vente et sa distribution sont bloquées.")
                % {"l": lot.code},
            )
    return redirect("cannery:lot", pk=lot.pk)


@require_perm("cannery.view")
def recall_statement_pdf(request, pk):
    """The quantified statement of what became of a lot's jars (for the authorities)."""
    trace = trace_lot(_lot(pk))
    statement = recall_statement(trace.lot)
    labels = dict(MovementKind.choices)
    pdf = render_pdf(
        "cannery/recall_pdf.html",
        {
            "trace": trace,
            "lot": trace.lot,
            "statement": statement,
            "cannery": services.cannery_of(request.cooperation),
            "totals": [(labels[kind], jars) for kind, jars in statement.totals.items()],
            "headers": [labels[kind] for kind in statement.totals],
            "printed_at": timezone.localtime(),
            "with_names": request.user.has_coope_perm("people.view"),
        },
        request=request,
    )
    return pdf_response(pdf, f"rappel-{trace.lot.code}.pdf")


MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN = 760, 600, 40


@require_perm("cannery.view")
def tours(request):
    """The villages the cannery visited, placed by their coordinates, with the workshop dates."""
    rows = (
        services.workshops(request.cooperation)
        .exclude(commune="")
        .values("commune")
        .annotate(first=Min("starts_at"))
        .order_by("commune")
    )
    dates = {}
    for commune, starts_at in (
        services.workshops(request.cooperation)
        .exclude(commune="")
        .order_by("starts_at")
        .values_list("commune", "starts_at")
    ):
        dates.setdefault(commune, []).append(timezone.localtime(starts_at).date())
    placed, unplaced = [], []
    for row in rows:
        coords = coordinates(row["commune"], request.cooperation.communes)
        (placed if coords else unplaced).append((row["commune"], coords, dates[row["commune"]]))
    points = []
    if placed:
        lats = [c[0] for _n, c, _d in placed]
        lons = [c[1] for _n, c, _d in placed]
        lat_span, lon_span = (max(lats) - min(lats)) or 1, (max(lons) - min(lons)) or 1
        for name, (lat, lon), days in placed:
            x = MAP_MARGIN + (lon - min(lons)) / lon_span * (MAP_WIDTH - 2 * MAP_MARGIN)
            y = MAP_MARGIN + (max(lats) - lat) / lat_span * (MAP_HEIGHT - 2 * MAP_MARGIN)
            points.append(
                {
                    "name": name,
                    "x": round(x),
                    "y": round(y),
                    "dates": days,
                    "count": len(days),
                    "radius": 5 + min(len(days), 6),
                    "months": ", ".join(f"{day:%m/%y}" for day in days),
                }
            )
        place_labels(points, MAP_WIDTH, MAP_HEIGHT)
    tours = list(
        Tour.objects.annotate(
            collected_grams=Sum("collections__weight_grams"),
            farms=Count("collections__producer", distinct=True),
        ).order_by("starts_on")
    )
    for tour in tours:
        tour.villages = sorted(
            commune
            for commune, days in dates.items()
            if any(tour.starts_on <= day <= tour.ends_on for day in days)
        )
    return render(
        request,
        "cannery/tours.html",
        {
            "tours": tours,
            "points": points,
            "unplaced": unplaced,
            "width": MAP_WIDTH,
            "height": MAP_HEIGHT,
            "workshops": sum(p["count"] for p in points) + sum(len(d) for _n, _c, d in unplaced),
        },
    )


@require_perm("cannery.view")
def producers(request):
    return render(
        request,
        "cannery/producers.html",
        {"producers": Producer.objects.annotate(collected_grams=Sum("collections__weight_grams"))},
    )
