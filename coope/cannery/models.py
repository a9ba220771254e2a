"""The mobile cannery: producers, collections, recipes, batches and their lots, stock and movements.

The traceability chain is made of indexed foreign keys, both ways:
lot → batch → inputs → collections → producers, lot → movements, and
collection → inputs → batches → lots. Nothing is found by scanning all events.

Quantities carry their unit in their name: produce in grams, jars as counts with their size in
millilitres, soup in centilitres, prices in cents, time currency in minutes.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager, scopes_disabled

from coope.core.models import Cooperation, House


class Cannery(models.Model):
    """The cooperation's cannery: the names on its labels and the activity whose sessions are its
    workshops. Its key figures count the records that carry the programme "cannery" (activities,
    trainings, volunteer hours): see coope/cannery/indicators.py."""

    cooperation = models.OneToOneField(
        Cooperation, on_delete=models.PROTECT, related_name="cannery"
    )
    name = models.CharField(
        _("nom (sur les étiquettes)"), max_length=200, default="Conserverie mobile et solidaire"
    )
    activity = models.ForeignKey(
        "activities.Activity",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("activité des ateliers de la conserverie"),
    )
    address = models.CharField(_("adresse (sur les étiquettes)"), max_length=300, blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("conserverie")

    def __str__(self) -> str:
        return self.name


class Producer(models.Model):
    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("ferme"), max_length=200)
    commune = models.CharField(_("commune"), max_length=100)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    organic = models.BooleanField(_("agriculture biologique"), default=False)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("producteur")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["cooperation", "name"], name="producer_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Tour(models.Model):
    """A round of the van: collections on the farms, workshops in the villages."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("tournée"), max_length=200)
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("tournée")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="tour_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Acquisition(models.TextChoices):
    GIVEN = "given", _("Don")
    BOUGHT = "bought", _("Achat")


class Quality(models.TextChoices):
    SURPLUS = "surplus", _("Surplus")
    DOWNGRADED = "downgraded", _("Déclassé")


def kilos(grams: int) -> str:
    """Grams in kilograms as a French reader writes them, exact: 122 kg, 40,651 kg, 0,5 kg."""
    whole, rest = divmod(grams, 1000)
    decimals = f"{rest:03d}".rstrip("0")
    return f"{whole},{decimals} kg" if decimals else f"{whole} kg"


class Collection(models.Model):
    """Produce received from a producer. `remaining_grams` is what batches have not taken yet;
    it only changes under a row lock (services.record_batch)."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"), db_index=True)
    producer = models.ForeignKey(
        Producer, on_delete=models.PROTECT, related_name="collections", verbose_name=_("producteur")
    )
    produce = models.CharField(_("produit"), max_length=100)
    variety = models.CharField(_("variété"), max_length=100, blank=True)
    weight_grams = models.PositiveIntegerField(_("poids (grammes)"))
    remaining_grams = models.PositiveIntegerField(_("reste (grammes)"))
    acquisition = models.CharField(
        _("don ou achat"), max_length=10, choices=Acquisition.choices, default=Acquisition.GIVEN
    )
    price_cents = models.PositiveIntegerField(_("prix (centimes)"), default=0)
    quality = models.CharField(
        _("qualité"), max_length=12, choices=Quality.choices, default=Quality.SURPLUS
    )
    tour = models.ForeignKey(
        Tour,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collections",
        verbose_name=_("tournée"),
    )
    session = models.ForeignKey(
        "activities.Session",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("atelier"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("collecte")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_grams__gt=0), name="collection_weight_positive"
            ),
            models.CheckConstraint(
                condition=Q(remaining_grams__lte=F("weight_grams")),
                name="collection_remainder_within_weight",
            ),
            models.CheckConstraint(
                condition=Q(acquisition="bought") | Q(price_cents=0),
                name="collection_price_only_when_bought",
            ),
        ]

    def __str__(self) -> str:
        variety = f" {self.variety}" if self.variety else ""
        return f"{self.produce}{variety}, {kilos(self.weight_grams)}, {self.producer} ({self.date:%d/%m/%Y})"

    @property
    def remaining_text(self) -> str:
        """What is left, in the unit of the weight beside it: « 40,651 kg »."""
        return kilos(self.remaining_grams)


class RecipeKind(models.TextChoices):
    JARS = "jars", _("Bocaux")
    SOUP = "soup", _("Soupe, velouté")


class Recipe(models.Model):
    # Its name names no one: it may be shown to a role that may not see people.
    names_no_one = True
    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code (dans le numéro de lot)"), max_length=8)
    name = models.CharField(_("produit"), max_length=200)
    kind = models.CharField(
        _("sorte"), max_length=5, choices=RecipeKind.choices, default=RecipeKind.JARS
    )
    jar_sizes_ml = models.JSONField(_("tailles de bocaux (ml)"), default=list, blank=True)
    net_weights_grams = models.JSONField(
        _("poids net par taille de bocal (g)"),
        default=dict,
        blank=True,
        help_text=_(
            "Pour ce qui n'est pas liquide, le poids net imprimé sur l'étiquette, par taille de "
            "bocal : {\"370\": 330}. Sans poids, l'étiquette laisse la place de l'écrire."
        ),
    )
    allergens = models.CharField(_("allergènes"), max_length=300, blank=True)
    sterilisation_minutes = models.PositiveIntegerField(
        _("stérilisation validée : durée (minutes)")
    )
    sterilisation_celsius = models.PositiveIntegerField(
        _("stérilisation validée : température (°C)")
    )
    max_ph = models.DecimalField(
        _("pH maximal"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    shelf_life_days = models.PositiveIntegerField(_("durée de conservation (jours)"))

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("recette")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["cooperation", "code"], name="recipe_unique_code")
        ]

    def __str__(self) -> str:
        return self.name

    def ingredients_text(self) -> str:
        return ", ".join(f"{i.name} {i.percent} %" for i in self.ingredients.all())


class RecipeIngredient(models.Model):
    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    recipe = models.ForeignKey(Recipe, on_delete=models.CASCADE, related_name="ingredients")
    name = models.CharField(_("ingrédient"), max_length=100)
    percent = models.PositiveIntegerField(_("proportion (%)"))

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("ingrédient")
        ordering = ["-percent", "name"]

    def __str__(self) -> str:
        return f"{self.name} {self.percent} %"


class Batch(models.Model):
    """A production during a workshop: inputs taken from collections, lots of jars (one per jar
    size), soup, and the sterilisation record that allows its release."""

    # Its name names no one: it may be shown to a role that may not see people.
    names_no_one = True

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        "activities.Session",
        on_delete=models.PROTECT,
        related_name="cannery_batches",
        verbose_name=_("atelier"),
    )
    recipe = models.ForeignKey(
        Recipe, on_delete=models.PROTECT, related_name="batches", verbose_name=_("recette")
    )
    code = models.CharField(_("code"), max_length=40)
    made_on = models.DateField(_("fabriqué le"), db_index=True)
    best_before = models.DateField(_("à consommer de préférence avant le"))
    soup_centilitres = models.PositiveIntegerField(_("soupe (centilitres)"), default=0)
    released_at = models.DateTimeField(_("libéré le"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("fabrication")
        ordering = ["-made_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["cooperation", "code"], name="batch_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.recipe}"


class BatchInput(models.Model):
    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="inputs")
    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="inputs")
    grams = models.PositiveIntegerField(_("poids utilisé (grammes)"))

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("produit utilisé")
        verbose_name_plural = _("produits utilisés")
        constraints = [
            models.CheckConstraint(condition=Q(grams__gt=0), name="batch_input_positive"),
            models.UniqueConstraint(fields=["batch", "collection"], name="batch_input_unique"),
        ]

    def __str__(self) -> str:
        return f"{kilos(self.grams)} → {self.batch_id}"


class SterilisationRecord(models.Model):
    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    batch = models.OneToOneField(Batch, on_delete=models.PROTECT, related_name="sterilisation")
    duration_minutes = models.PositiveIntegerField(_("durée (minutes)"))
    temperature_celsius = models.PositiveIntegerField(_("température (°C)"))
    operator = models.CharField(_("opérateur·rice"), max_length=200)
    closure_checked = models.BooleanField(_("fermeture des bocaux vérifiée"), default=False)
    ph = models.DecimalField(_("pH mesuré"), max_digits=3, decimal_places=1, null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("stérilisation")

    def __str__(self) -> str:
        return f"{self.duration_minutes} min à {self.temperature_celsius} °C"

    def problems(self, recipe: Recipe) -> list[str]:
        """Why this record is outside the recipe's validated schedule (empty when within it)."""
        found = []
        if self.duration_minutes < recipe.sterilisation_minutes:
            found.append(
                _("durée %(d)s min, le barème en demande %(r)s")
                % {"d": self.duration_minutes, "r": recipe.sterilisation_minutes}
            )
        if self.temperature_celsius < recipe.sterilisation_celsius:
            found.append(
                _("température %(d)s °C, le barème en demande %(r)s")
                % {"d": self.temperature_celsius, "r": recipe.sterilisation_celsius}
            )
        if not self.closure_checked:
            found.append(str(_("fermeture des bocaux non vérifiée")))
        if recipe.max_ph is not None and self.ph is not None and self.ph > recipe.max_ph:
            found.append(_("pH %(d)s, au-dessus de %(r)s") % {"d": self.ph, "r": recipe.max_ph})
        return found


class Lot(models.Model):
    """The jars of one size from one batch: its code is printed on the labels."""

    # Its name names no one: it may be shown to a role that may not see people.
    names_no_one = True

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="lots")
    code = models.CharField(_("numéro de lot"), max_length=50)
    jar_size_ml = models.PositiveIntegerField(_("taille des bocaux (ml)"))
    jars_made = models.PositiveIntegerField(_("bocaux fabriqués"))
    recalled_at = models.DateTimeField(_("rappelé le"), null=True, blank=True)
    recall_reason = models.TextField(_("motif du rappel"), blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("lot")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["cooperation", "code"], name="lot_unique_code"),
            models.UniqueConstraint(fields=["batch", "jar_size_ml"], name="lot_one_per_size"),
            models.CheckConstraint(condition=Q(jars_made__gt=0), name="lot_jars_positive"),
        ]

    def __str__(self) -> str:
        return self.code

    def net_quantity(self) -> str:
        """The net quantity as a label must give it (EU regulation 1169/2011, article 23 and
        annex IX): a volume for a liquid (a soup), a weight for the rest, its number and unit
        never apart. An unknown weight leaves room to write it by hand."""
        label = self.net_quantity_label()
        return f"{label} {self.net_quantity_figures()}" if label else self.net_quantity_figures()

    def net_quantity_label(self) -> str:
        return "" if self.batch.recipe.kind == RecipeKind.SOUP else str(_("Poids net :"))

    def net_quantity_figures(self) -> str:
        recipe = self.batch.recipe
        if recipe.kind == RecipeKind.SOUP:
            return f"{self.jar_size_ml}\u00a0ml"
        grams = (recipe.net_weights_grams or {}).get(str(self.jar_size_ml))
        return f"{grams}\u00a0g" if grams else "______\u00a0g"

    def net_quantity_height_mm(self) -> int:
        """The least height of its figures (annex IX, point 1): 4 mm from 200 g or ml to 1 kg."""
        recipe = self.batch.recipe
        grams = (recipe.net_weights_grams or {}).get(str(self.jar_size_ml))
        quantity = int(grams) if grams and recipe.kind != RecipeKind.SOUP else self.jar_size_ml
        return 2 if quantity <= 50 else 3 if quantity <= 200 else 4 if quantity <= 1000 else 6

    def net_quantity_font_mm(self) -> str:
        """The font size whose figures are that high (a figure of DejaVu Sans is 0.73 em)."""
        return f"{self.net_quantity_height_mm() / 0.72:.1f}"


class LocationKind(models.TextChoices):
    VAN = "van", _("Camion")
    HOUSE = "house", _("Maison de quartier")
    SHOP = "shop", _("Boutique")


class Location(models.Model):
    # Its name names no one: it may be shown to a role that may not see people.
    names_no_one = True
    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("sorte"), max_length=5, choices=LocationKind.choices)
    name = models.CharField(_("nom"), max_length=200)
    # A house's place is linked by the house's key (its name follows the house's, see
    # `follow_house_name`): renaming a house keeps its place and its stock.
    house = models.OneToOneField(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("maison"),
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("lieu de stockage")
        verbose_name_plural = _("lieux de stockage")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cooperation", "name"], name="location_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


def house_location_name(house: House, taken: set[str]) -> str:
    """The name of a house's place: the house's, or, when another place has it, the house's with
    its short name or a number."""
    for name in (house.name, f"{house.name} ({house.short_name})"):
        if name not in taken:
            return name
    number = 2
    while f"{house.name} ({number})" in taken:
        number += 1
    return f"{house.name} ({number})"


@receiver(post_save, sender=House)
def follow_house_name(sender, instance: House, raw=False, **kwargs) -> None:
    """A renamed house's place takes its new name at once (unless another place has it)."""
    if raw:
        return
    with scopes_disabled():  # by the house's key: its own place only
        location = Location.objects.filter(house_id=instance.pk).first()
        if location is None or location.name == instance.name:
            return
        if not Location.objects.filter(
            cooperation_id=location.cooperation_id, name=instance.name
        ).exists():
            location.name = instance.name
            location.save(update_fields=["name"])


class MovementKind(models.TextChoices):
    MADE = "made", _("Fabriqués")
    MOVED = "moved", _("Déplacés")
    GIVEN = "given", _("Donnés sur place")
    RETURNED = "returned", _("Rendus aux producteurs")
    SOLD_EUROS = "sold_euros", _("Vendus en euros")
    SOLD_TIME = "sold_time", _("Vendus en monnaie-temps")
    LOST = "lost", _("Perdus, cassés")


OUTGOING = (
    MovementKind.GIVEN,
    MovementKind.RETURNED,
    MovementKind.SOLD_EUROS,
    MovementKind.SOLD_TIME,
    MovementKind.LOST,
)


class Movement(models.Model):
    """Jars of a lot that appear (made), move between places, or leave the stock. Append-only."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("mouvement"), max_length=10, choices=MovementKind.choices)
    jars = models.PositiveIntegerField(_("bocaux"))
    date = models.DateField(_("date"), db_index=True)
    from_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("depuis"),
    )
    to_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vers"),
    )
    session = models.ForeignKey(
        "activities.Session",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("atelier"),
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("personne"),
    )
    producer = models.ForeignKey(
        Producer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("producteur"),
    )
    buyer = models.CharField(_("acheteur·se (si non inscrit·e)"), max_length=200, blank=True)
    price_cents = models.PositiveIntegerField(_("prix (centimes)"), default=0)
    minutes = models.PositiveIntegerField(_("prix (minutes de TIC-TAC)"), default=0)
    transfer = models.ForeignKey(
        "timebank.Transfer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("virement TIC-TAC"),
    )
    idempotency_key = models.CharField(max_length=100, blank=True, editable=False)
    note = models.CharField(_("précision"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("mouvement de stock")
        verbose_name_plural = _("mouvements de stock")
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(jars__gt=0), name="movement_jars_positive"),
            models.UniqueConstraint(
                fields=["cooperation", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="movement_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="made", from_location__isnull=True, to_location__isnull=False)
                    | Q(kind="moved", from_location__isnull=False, to_location__isnull=False)
                    | (
                        Q(kind__in=[k.value for k in OUTGOING])
                        & Q(from_location__isnull=False, to_location__isnull=True)
                    )
                ),
                name="movement_locations_fit_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.jars} × {self.lot_id}"


class StockLevel(models.Model):
    """Jars of a lot at a location: a cache of the movements, changed under a row lock, never < 0."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="stock_levels")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels")
    jars = models.IntegerField(_("bocaux en stock"), default=0)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("stock")
        constraints = [
            models.UniqueConstraint(fields=["lot", "location"], name="stock_level_unique"),
            models.CheckConstraint(condition=Q(jars__gte=0), name="stock_level_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.jars} × {self.lot_id} @ {self.location_id}"
