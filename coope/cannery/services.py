"""Writes of the cannery: collections, batches and their release, stock movements, recalls.

Every function is one transaction and writes an audit entry. Quantities that must never go
negative (a collection's remainder, a lot's stock at a place) are changed under a row lock
(`select_for_update`), and the database refuses a negative value anyway (CHECK constraints).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coope.activities.models import Session
from coope.cannery.models import (
    Acquisition,
    Batch,
    BatchInput,
    Cannery,
    Collection,
    Location,
    LocationKind,
    Lot,
    Movement,
    MovementKind,
    Producer,
    Recipe,
    RecipeKind,
    SterilisationRecord,
    StockLevel,
    house_location_name,
    kilos,
)
from coope.core.audit import CREATE, UPDATE, record, record_many, snapshot
from coope.lib.atomic import atomic_service

VAN_NAME = "Camion de la conserverie"
SHOP_NAME = "Boutique"  # a cooperation names its own shop (the demo's: see cannery/demo.py)


def cannery_of(cooperation) -> Cannery | None:
    return Cannery.objects.filter(cooperation=cooperation).select_related("activity").first()


def workshops(cooperation):
    """The cannery's workshop sessions (see Cannery): none when the cooperation has no cannery."""
    cannery = cannery_of(cooperation)
    if cannery is None:
        return Session.objects.none()
    return Session.objects.filter(
        cooperation=cooperation, activity_id=cannery.activity_id, cancelled=False
    )


@transaction.atomic
def ensure_locations(*, cooperation) -> list[Location]:
    """The van, the shop and one place per house (created the first time). A house's place is
    found by the house's key, never by its name: a renamed house keeps its place and its stock,
    and the place takes the house's new name."""
    from coope.core.models import House

    locations = list(Location.objects.filter(cooperation=cooperation))
    kinds = {location.kind for location in locations}
    by_house = {location.house_id: location for location in locations if location.house_id}
    taken = {location.name for location in locations}
    missing = [  # one van and one shop, whatever the cooperation renamed them
        Location(cooperation=cooperation, kind=kind, name=name)
        for kind, name in ((LocationKind.VAN, VAN_NAME), (LocationKind.SHOP, SHOP_NAME))
        if kind not in kinds
    ]
    taken |= {location.name for location in missing}
    for house in House.objects.filter(cooperation=cooperation).order_by("pk"):
        location = by_house.get(house.pk)
        if location is None:
            name = house_location_name(house, taken)
            missing.append(
                Location(cooperation=cooperation, kind=LocationKind.HOUSE, name=name, house=house)
            )
            taken.add(name)
        elif location.name != house.name and house.name not in taken:
            taken.discard(location.name)
            location.name = house.name
            location.save(update_fields=["name"])
            taken.add(house.name)
    if missing:
        # Two first batches at once: the second finds the places the first created.
        Location.objects.bulk_create(missing, ignore_conflicts=True)
        locations = list(Location.objects.filter(cooperation=cooperation))
    return locations


def _same_cooperation(*objects) -> None:
    if len({obj.cooperation_id for obj in objects if obj is not None}) != 1:
        raise ValidationError(_("Ces éléments n'appartiennent pas à la même coopération."))


# -- producers and collections ----------------------------------------------------------------


@transaction.atomic
def create_producer(
    *,
    actor,
    cooperation,
    name: str,
    commune: str,
    contact: str = "",
    phone: str = "",
    organic: bool = False,
) -> Producer:
    if Producer.objects.filter(cooperation=cooperation, name__iexact=name.strip()).exists():
        raise ValidationError(
            {"name": _("Ce producteur existe déjà : choisissez-le dans la liste.")}
        )
    producer = Producer.objects.create(
        cooperation=cooperation,
        name=name.strip(),
        commune=commune.strip(),
        contact=contact,
        phone=phone,
        organic=organic,
    )
    record(actor=actor, action="cannery.create_producer", instance=producer)
    return producer


@transaction.atomic
def record_collection(
    *,
    actor,
    producer: Producer,
    date: datetime.date,
    produce: str,
    weight_grams: int,
    variety: str = "",
    acquisition: str = Acquisition.GIVEN,
    price_cents: int = 0,
    quality: str = "surplus",
    tour=None,
    session=None,
) -> Collection:
    _same_cooperation(producer, tour, session)
    if weight_grams is None or weight_grams <= 0:
        raise ValidationError({"weight_grams": _("Le poids doit être plus grand que zéro.")})
    if acquisition == Acquisition.GIVEN and price_cents:
        raise ValidationError(
            {"price_cents": _("Un don n'a pas de prix : choisissez « achat » ou videz le prix.")}
        )
    if date > timezone.localdate():
        raise ValidationError({"date": _("La date de la collecte est dans le futur.")})
    collection = Collection.objects.create(
        cooperation_id=producer.cooperation_id,
        producer=producer,
        date=date,
        produce=produce.strip(),
        variety=variety.strip(),
        weight_grams=weight_grams,
        remaining_grams=weight_grams,
        acquisition=acquisition,
        price_cents=price_cents or 0,
        quality=quality,
        tour=tour,
        session=session,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    record(
        actor=actor,
        action="cannery.record_collection",
        instance=collection,
        changes={"weight_grams": weight_grams, "producer": producer.pk},
    )
    return collection


# -- batches ----------------------------------------------------------------------------------


def _batch_code(cooperation, recipe: Recipe, made_on: datetime.date) -> str:
    prefix = f"{made_on:%y%m%d}-{recipe.code}-"
    taken = Batch.objects.filter(cooperation=cooperation, code__startswith=prefix).count()
    return f"{prefix}{taken + 1}"


def jars_text(jars: int) -> str:
    """« 0 bocal », « 1 bocal », « 3 bocaux » (French: the singular up to one)."""
    return (_("%(n)s bocal") if jars <= 1 else _("%(n)s bocaux")) % {"n": jars}


@transaction.atomic
def record_batch(
    *,
    actor,
    session: Session,
    recipe: Recipe,
    inputs: list[tuple[Collection, int]],
    jars_by_size: dict[int, int],
    soup_centilitres: int = 0,
    sterilisation: dict | None = None,
    location: Location | None = None,
) -> Batch:
    """A production during a workshop. Takes `grams` from each collection (under a row lock), makes
    one lot per jar size (its jars enter the stock at `location`, the van by default), and records
    the sterilisation when given (a dict of SterilisationRecord fields)."""
    _same_cooperation(session, recipe, *[c for c, _g in inputs])
    cooperation = session.cooperation
    cannery = cannery_of(cooperation)
    if cannery is None or session.activity_id != cannery.activity_id:
        raise ValidationError(
            _("Une fabrication se fait pendant un atelier de la conserverie : choisissez-en un.")
        )
    if session.starts_at > timezone.now():
        raise ValidationError(
            _(
                "L'atelier du %(day)s n'a pas encore eu lieu : une fabrication s'enregistre "
                "pendant ou après son atelier."
            )
            % {"day": timezone.localtime(session.starts_at).strftime("%d/%m/%Y")}
        )
    if not inputs:
        raise ValidationError(_("Indiquez au moins une collecte utilisée et son poids."))
    jars_by_size = {int(size): int(n) for size, n in jars_by_size.items() if n}
    if any(n < 0 for n in jars_by_size.values()) or soup_centilitres < 0:
        raise ValidationError(_("Les quantités fabriquées ne peuvent pas être négatives."))
    unknown = set(jars_by_size) - {int(s) for s in recipe.jar_sizes_ml}
    if unknown:
        raise ValidationError(
            _("La recette « %(r)s » ne prévoit pas de bocaux de %(s)s ml.")
            % {"r": recipe, "s": ", ".join(map(str, sorted(unknown)))}
        )
    if recipe.kind == RecipeKind.JARS and not jars_by_size:
        raise ValidationError(_("Indiquez le nombre de bocaux fabriqués."))
    if recipe.kind == RecipeKind.SOUP and not (soup_centilitres or jars_by_size):
        raise ValidationError(_("Indiquez la quantité de soupe fabriquée."))
    wanted: dict[int, int] = {}
    for collection, grams in inputs:
        if grams is None or grams <= 0:
            raise ValidationError(_("Le poids utilisé doit être plus grand que zéro."))
        wanted[collection.pk] = wanted.get(collection.pk, 0) + grams
    locked = {
        c.pk: c for c in Collection.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    }
    for pk, grams in wanted.items():
        collection = locked[pk]
        if collection.date > session.starts_at.date():
            raise ValidationError(
                _("La collecte « %(c)s » est postérieure à l'atelier.") % {"c": collection}
            )
        if grams > collection.remaining_grams:
            raise ValidationError(
                _("Il ne reste que %(r)s de « %(c)s » : vous ne pouvez pas en utiliser %(g)s.")
                % {"r": kilos(collection.remaining_grams), "c": collection, "g": kilos(grams)}
            )
    made_on = timezone.localtime(session.starts_at).date()
    Recipe.objects.select_for_update().filter(
        pk=recipe.pk
    ).first()  # one batch code of a recipe at a time
    batch = Batch.objects.create(
        cooperation=cooperation,
        session=session,
        recipe=recipe,
        code=_batch_code(cooperation, recipe, made_on),
        made_on=made_on,
        best_before=made_on + datetime.timedelta(days=recipe.shelf_life_days),
        soup_centilitres=soup_centilitres,
    )
    batch_inputs = BatchInput.objects.bulk_create(
        BatchInput(cooperation=cooperation, batch=batch, collection_id=pk, grams=grams)
        for pk, grams in wanted.items()
    )
    record_many(actor=actor, action=CREATE, instances=batch_inputs)
    for pk, grams in wanted.items():
        Collection.objects.filter(pk=pk).update(remaining_grams=F("remaining_grams") - grams)
    record_many(
        actor=actor,
        action=UPDATE,
        instances=[locked[pk] for pk in wanted],
        changes=lambda c: {
            "remaining_grams": [c.remaining_grams, c.remaining_grams - wanted[c.pk]],
            "batch": batch.pk,
        },
    )
    location = location or next(
        loc for loc in ensure_locations(cooperation=cooperation) if loc.kind == LocationKind.VAN
    )
    for size, jars in sorted(jars_by_size.items()):
        lot = Lot.objects.create(
            cooperation=cooperation,
            batch=batch,
            code=f"{batch.code}-{size}",
            jar_size_ml=size,
            jars_made=jars,
        )
        record(actor=actor, action=CREATE, instance=lot, changes=snapshot(lot))
        _move(
            actor=actor,
            lot=lot,
            kind=MovementKind.MADE,
            jars=jars,
            date=made_on,
            to_location=location,
        )
    if sterilisation:
        SterilisationRecord.objects.create(cooperation=cooperation, batch=batch, **sterilisation)
    record(
        actor=actor,
        action="cannery.record_batch",
        instance=batch,
        changes={
            "inputs": wanted,
            "jars_by_size": jars_by_size,
            "soup_centilitres": soup_centilitres,
        },
    )
    return batch


@transaction.atomic
def record_sterilisation(
    *,
    actor,
    batch: Batch,
    duration_minutes: int,
    temperature_celsius: int,
    operator: str,
    closure_checked: bool,
    ph=None,
) -> SterilisationRecord:
    # Locked, then checked on the locked row: a release in progress cannot approve a record changed meanwhile.
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.released_at is not None:
        raise ValidationError(
            _("Cette fabrication est déjà libérée : sa stérilisation ne peut plus changer.")
        )
    sterilisation, _created = SterilisationRecord.objects.update_or_create(
        batch=batch,
        defaults={
            "cooperation_id": batch.cooperation_id,
            "duration_minutes": duration_minutes,
            "temperature_celsius": temperature_celsius,
            "operator": operator,
            "closure_checked": closure_checked,
            "ph": ph,
        },
    )
    record(
        actor=actor,
        action="cannery.record_sterilisation",
        instance=batch,
        changes={"duration_minutes": duration_minutes, "temperature_celsius": temperature_celsius},
    )
    return sterilisation


@transaction.atomic
def release_batch(*, actor, batch: Batch) -> Batch:
    """Allow the batch's jars to be sold and given: only with a sterilisation within the recipe's schedule."""
    batch = Batch.objects.select_for_update().select_related("recipe").get(pk=batch.pk)
    if batch.released_at is not None:
        return batch
    # Read after locking the batch: a sterilisation changed concurrently is either seen or refused.
    sterilisation = SterilisationRecord.objects.filter(batch_id=batch.pk).first()
    if sterilisation is None:
        raise ValidationError(
            _("Libération refusée : la stérilisation de %(b)s n'est pas enregistrée.")
            % {"b": batch.code}
        )
    problems = sterilisation.problems(batch.recipe)
    if problems:
        raise ValidationError(
            _("Libération refusée, stérilisation hors barème : %(p)s.")
            % {"p": " ; ".join(problems)}
        )
    batch.released_at = timezone.now()
    batch.released_by = actor if actor is not None and actor.is_authenticated else None
    batch.save(update_fields=["released_at", "released_by"])
    record(actor=actor, action="cannery.release_batch", instance=batch)
    return batch


# -- stock ------------------------------------------------------------------------------------


def _move(
    *,
    actor,
    lot: Lot,
    kind: str,
    jars: int,
    date: datetime.date,
    from_location=None,
    to_location=None,
    **details,
) -> Movement:
    """The movement and its effect on the cached stock levels, under row locks (caller is atomic)."""
    if jars is None or jars <= 0:
        raise ValidationError(_("Le nombre de bocaux doit être plus grand que zéro."))
    if from_location is not None:
        _same_cooperation(lot, from_location)
        level = (
            StockLevel.objects.select_for_update().filter(lot=lot, location=from_location).first()
        )
        available = level.jars if level is not None else 0
        if level is None or jars > available:
            raise ValidationError(
                _("Il n'y a que %(n)s du lot %(l)s à %(p)s : impossible d'en sortir %(j)s.")
                % {"n": jars_text(available), "l": lot.code, "p": from_location, "j": jars}
            )
        StockLevel.objects.filter(pk=level.pk).update(jars=F("jars") - jars)
    if to_location is not None:
        _same_cooperation(lot, to_location)
        level, _created = StockLevel.objects.get_or_create(
            lot=lot, location=to_location, defaults={"cooperation_id": lot.cooperation_id}
        )
        StockLevel.objects.filter(pk=level.pk).update(jars=F("jars") + jars)
    movement = Movement.objects.create(
        cooperation_id=lot.cooperation_id,
        lot=lot,
        kind=kind,
        jars=jars,
        date=date,
        from_location=from_location,
        to_location=to_location,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
        **details,
    )
    record(
        actor=actor,
        action=f"cannery.{kind}",
        instance=movement,
        changes={
            "lot": lot.code,
            "jars": jars,
            "from": getattr(from_location, "pk", None),
            "to": getattr(to_location, "pk", None),
        },
    )
    return movement


def _locked_lot(lot: Lot) -> Lot:
    """The lot, locked so that a recall and a sale of it cannot cross."""
    return Lot.objects.select_for_update(of=("self",)).select_related("batch").get(pk=lot.pk)


def _refuse_unless_distributable(lot: Lot) -> None:
    if lot.recalled_at is not None:
        raise ValidationError(
            _("Le lot %(l)s est rappelé : ses bocaux ne peuvent être ni vendus ni donnés.")
            % {"l": lot.code}
        )
    if lot.batch.released_at is None:
        raise ValidationError(
            _(
                "Le lot %(l)s n'est pas libéré (stérilisation à valider) : ses bocaux ne "
                "peuvent être ni vendus ni donnés."
            )
            % {"l": lot.code}
        )


@transaction.atomic
def move_jars(
    *,
    actor,
    lot: Lot,
    jars: int,
    from_location: Location,
    to_location: Location,
    date: datetime.date | None = None,
) -> Movement:
    """Between places (also for a recalled lot: bringing its jars back is part of the recall)."""
    if from_location.pk == to_location.pk:
        raise ValidationError(_("Le lieu de départ et le lieu d'arrivée sont les mêmes."))
    return _move(
        actor=actor,
        lot=_locked_lot(lot),
        kind=MovementKind.MOVED,
        jars=jars,
        date=date or timezone.localdate(),
        from_location=from_location,
        to_location=to_location,
    )


@transaction.atomic
def give_jars(
    *,
    actor,
    lot: Lot,
    jars: int,
    location: Location,
    session=None,
    person=None,
    date: datetime.date | None = None,
) -> Movement:
    """Given on site to participants (at a workshop, or to a named person)."""
    lot = _locked_lot(lot)
    _refuse_unless_distributable(lot)
    _same_cooperation(lot, session, person)
    return _move(
        actor=actor,
        lot=lot,
        kind=MovementKind.GIVEN,
        jars=jars,
        date=date or timezone.localdate(),
        from_location=location,
        session=session,
        person=person,
    )


@transaction.atomic
def return_jars(
    *,
    actor,
    lot: Lot,
    jars: int,
    location: Location,
    producer: Producer,
    date: datetime.date | None = None,
) -> Movement:
    """The producer's share, given back to them."""
    lot = _locked_lot(lot)
    _refuse_unless_distributable(lot)
    _same_cooperation(lot, producer)
    return _move(
        actor=actor,
        lot=lot,
        kind=MovementKind.RETURNED,
        jars=jars,
        date=date or timezone.localdate(),
        from_location=location,
        producer=producer,
    )


@transaction.atomic
def sell_jars_for_euros(
    *,
    actor,
    lot: Lot,
    jars: int,
    location: Location,
    price_cents: int,
    buyer: str = "",
    person=None,
    date: datetime.date | None = None,
) -> Movement:
    lot = _locked_lot(lot)
    _refuse_unless_distributable(lot)
    _same_cooperation(lot, person)
    if price_cents is None or price_cents < 0:
        raise ValidationError({"price_cents": _("Le prix ne peut pas être négatif.")})
    return _move(
        actor=actor,
        lot=lot,
        kind=MovementKind.SOLD_EUROS,
        jars=jars,
        date=date or timezone.localdate(),
        from_location=location,
        price_cents=price_cents,
        buyer=buyer,
        person=person,
    )


@atomic_service
def sell_jars_for_time(
    *,
    actor,
    lot: Lot,
    jars: int,
    location: Location,
    payer,
    minutes: int,
    association,
    idempotency_key: str,
    date: datetime.date | None = None,
    paid_at: datetime.datetime | None = None,
) -> Movement:
    """Sold in time currency: the payer pays `minutes` to the shop through TIC-TAC, in the same
    transaction as the stock movement (a refusal of either leaves nothing written). Replaying
    the same `idempotency_key` returns the first sale."""
    from coope.timebank.services import lock_payment, pay_in_time

    # The time accounts first, then the lot: the lock order of every TIC-TAC service.
    lock_payment(payer=payer, payee_kind="shop", association=association, actor=actor)
    lot = _locked_lot(lot)
    _refuse_unless_distributable(lot)
    if minutes is None or minutes <= 0:
        raise ValidationError({"minutes": _("Le prix en minutes doit être plus grand que zéro.")})
    key = (idempotency_key or "").strip()
    if not key:
        raise ValidationError(
            _("Il manque la clé d'unicité de la vente : rechargez la page avant de recommencer.")
        )
    if len(key) > 100:
        raise ValidationError(
            _(
                "La clé d'unicité de la vente est trop longue (100 caractères au plus) : "
                "rechargez la page avant de recommencer."
            )
        )
    idempotency_key = key
    already = Movement.objects.filter(
        cooperation_id=lot.cooperation_id, kind=MovementKind.SOLD_TIME, idempotency_key=key
    ).first()
    if already is not None:
        if (already.lot_id, already.jars, already.person_id, already.minutes) != (
            lot.pk,
            jars,
            getattr(payer, "pk", None),
            minutes,
        ):
            raise ValidationError(
                _(
                    "Cette vente a déjà été enregistrée avec un autre contenu (%(n)s du lot %(l)s, "
                    "%(m)s min) : rien n'a été enregistré. Rechargez la page avant de recommencer."
                )
                % {"n": jars_text(already.jars), "l": already.lot.code, "m": already.minutes}
            )
        return already
    movement = _move(
        actor=actor,
        lot=lot,
        kind=MovementKind.SOLD_TIME,
        jars=jars,
        date=date or timezone.localdate(),
        from_location=location,
        minutes=minutes,
        person=payer,
        idempotency_key=idempotency_key,
    )
    movement.transfer = pay_in_time(
        actor=actor,
        payer=payer,
        payee_kind="shop",
        association=association,
        minutes=minutes,
        item=movement,
        idempotency_key=f"cannery:{idempotency_key}",
        created_at=paid_at,
        memo=_("Conserverie : %(n)s, lot %(l)s") % {"n": jars_text(jars), "l": lot.code},
    )
    movement.save(update_fields=["transfer"])
    record(
        actor=actor,
        action=UPDATE,
        instance=movement,
        changes={"transfer_id": [None, movement.transfer_id]},
    )
    return movement


@transaction.atomic
def record_loss(
    *,
    actor,
    lot: Lot,
    jars: int,
    location: Location,
    note: str = "",
    date: datetime.date | None = None,
) -> Movement:
    """Broken, spoiled or destroyed jars (also those of a recalled lot)."""
    return _move(
        actor=actor,
        lot=_locked_lot(lot),
        kind=MovementKind.LOST,
        jars=jars,
        date=date or timezone.localdate(),
        from_location=location,
        note=note,
    )


@transaction.atomic
def recall_lot(*, actor, lot: Lot, reason: str) -> Lot:
    """Mark the lot recalled: from now on its jars can be neither sold nor given."""
    if not reason.strip():
        raise ValidationError({"recall_reason": _("Écrivez le motif du rappel.")})
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if lot.recalled_at is not None:
        raise ValidationError(_("Le lot %(l)s est déjà rappelé.") % {"l": lot.code})
    lot.recalled_at = timezone.now()
    lot.recall_reason = reason.strip()
    lot.save(update_fields=["recalled_at", "recall_reason"])
    record(
        actor=actor,
        action="cannery.recall_lot",
        instance=lot,
        changes={"reason": lot.recall_reason},
    )
    return lot
