"""People the cooperation knows, their households, family quotients, consents and visits."""

import datetime

from django.apps import apps
from django.conf import settings
from django.db import connections, models
from django.db.models import F, Func, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coope.core.models import Cooperation, House
from coope.lib.encryption import (
    EncryptedCharField,
    EncryptedPositiveIntegerField,
    EncryptedTextField,
)
from coope.lib.text import normalize


class Sex(models.TextChoices):
    FEMALE = "F", _("Femme")
    MALE = "M", _("Homme")
    UNSPECIFIED = "X", _("Non précisé")


class Occupation(models.TextChoices):
    EMPLOYED = "employed", _("En emploi")
    JOBSEEKER = "jobseeker", _("En recherche d'emploi")
    STUDENT = "student", _("Scolaire ou étudiant·e")
    RETIRED = "retired", _("Retraité·e")
    HOME = "home", _("Au foyer")
    OTHER = "other", _("Autre")
    UNKNOWN = "", _("Non renseigné")


def fts_phrase(word: str) -> str:
    """A word as an FTS5 string: whatever it holds (quotes, `*`, `NEAR`, `-`, `^`), it is
    matched as a substring, never read as the query syntax."""
    return '"' + word.replace('"', '""') + '"'


def unary_plus(field: str, output_field: models.Field) -> Func:
    """+column: the same value, which SQLite will not look up or order by through an index."""
    return Func(F(field), template="+%(expressions)s", output_field=output_field)


DESK_ORDER = ("last_name", "first_name")  # Person's ordering


# Beyond this many matches, finding the first 30 in the desk's order by walking the order's index
# costs less than reading and sorting every match (measured in bench/search.py at 100,000 people).
MANY_MATCHES = 1000


class PersonQuerySet(models.QuerySet):
    def search(self, text: str):
        """By parts of a name in any order (accents and case ignored), or by card number.

        Served by an index on both databases: PostgreSQL's trigram GIN index on `search_name`
        serves its `LIKE '%…%'`; on SQLite the words of 3 characters or more go through the FTS5
        trigram table (coope/people/search_index.py) and shorter ones filter its rows. A card
        number is looked up in the memberships' card index, the person's own or their
        household's (any link, past or present)."""
        text = (text or "").replace("\x00", "").strip()
        words = normalize(text).split()
        if not words:
            return self.none()
        if any(ch.isdigit() for ch in text):
            return self.filter(pk__in=self._card_holders(text.upper()))
        queryset: models.QuerySet = self
        long_words = [word for word in words if len(word) >= 3]
        if long_words and connections[self.db].vendor == "sqlite":
            match = " ".join(fts_phrase(word) for word in long_words)
            matched = RawSQL(  # noqa: S611 (the user's words are a parameter)
                "SELECT rowid FROM people_person_fts WHERE people_person_fts MATCH %s", [match]
            )
            if self._fts_count(match, MANY_MATCHES + 1) > MANY_MATCHES:
                # Many matches ("mar"): walk the people in the desk's order (person_desk_order)
                # and keep those the FTS table names, instead of sorting thousands of rows.
                # The unary + keeps SQLite from reading each match by its key and sorting.
                queryset = queryset.alias(_fts_key=unary_plus("pk", models.IntegerField())).filter(
                    _fts_key__in=matched
                )
            else:
                # Few matches: each read by its key, then sorted. The desk's order written as
                # +column keeps SQLite from walking the whole order's index instead.
                queryset = queryset.filter(pk__in=matched)
                if not queryset.query.order_by and queryset.query.default_ordering:
                    queryset = queryset.order_by(
                        *(unary_plus(name, models.CharField()) for name in DESK_ORDER)
                    )
            words = [word for word in words if len(word) < 3]
        elif long_words and not queryset.query.order_by and queryset.query.default_ordering:
            # PostgreSQL: the GIN trigram index, then a sort. Left to choose, it may walk
            # person_desk_order on a guess of many matches and read 40,000 rows for 81 ("elodie
            # mar"); ordering by column || '' (the same order) keeps it on the GIN index.
            queryset = queryset.order_by(
                *(
                    Func(
                        F(name), template="(%(expressions)s || '')", output_field=models.CharField()
                    )
                    for name in DESK_ORDER
                )
            )
        for word in words:
            queryset = queryset.filter(search_name__contains=word)
        return queryset

    def _fts_count(self, match: str, most: int) -> int:
        """How many names of the whole database the FTS5 query matches, counting up to `most`."""
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM people_person_fts "
                "WHERE people_person_fts MATCH %s LIMIT %s)",
                [match, most],
            )
            return cursor.fetchone()[0]

    def _card_holders(self, card: str):
        """The ids of the people holding the card, or in a household that holds it: a union of
        two lookups by the card number's index (never an OR across joins)."""
        cards = apps.get_model("membership", "Membership")._default_manager.filter(card_number=card)
        own = cards.filter(person__isnull=False).values("person_id")
        households = cards.filter(household__isnull=False).values("household_id")
        household = HouseholdMember._default_manager.filter(household_id__in=households).values(
            "person_id"
        )
        return own.order_by().union(household.order_by())


class Person(models.Model):
    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    search_name = models.CharField(max_length=210, editable=False, db_index=True)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices, default=Sex.UNSPECIFIED)
    email = models.EmailField(_("courriel"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    postcode = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    neighbourhood = models.CharField(_("quartier"), max_length=100, blank=True)
    home_house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("maison de rattachement"),
    )
    occupation = models.CharField(
        _("catégorie socio-professionnelle"), max_length=20, choices=Occupation.choices, blank=True
    )
    notes = EncryptedTextField(_("notes"), blank=True)  # encrypted at rest
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(_("anonymisé le"), null=True, blank=True)

    objects = ScopedManager(
        cooperation="cooperation", _manager_class=models.Manager.from_queryset(PersonQuerySet)
    )

    SENSITIVE_FIELDS = ("notes",)

    class Meta:
        verbose_name = _("personne")
        ordering = ["last_name", "first_name"]  # DESK_ORDER
        indexes = [
            # The desk's order, with the name it searches (the walk reads no table row).
            models.Index(
                fields=["cooperation", "last_name", "first_name", "search_name"],
                name="person_desk_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def save(self, *args, **kwargs):
        self.search_name = normalize(f"{self.first_name} {self.last_name}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    @property
    def birth_year(self) -> int | None:
        return self.birth_date.year if self.birth_date else None


class Household(models.Model):
    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("nom du foyer"), max_length=200)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    postcode = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    members = models.ManyToManyField(Person, through="HouseholdMember", related_name="households")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("foyer")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def current_quotient(self):
        return self.quotients.order_by("-valid_from", "-pk").first()


class Link(models.TextChoices):
    REFERENT = "referent", _("Responsable du foyer")
    PARTNER = "partner", _("Conjoint·e")
    CHILD = "child", _("Enfant")
    OTHER = "other", _("Autre")


def overlapping(start: datetime.date, end: datetime.date, prefix: str = "") -> Q:
    """Rows dated by `valid_from` and `valid_until` (both inclusive, null = open) that are valid
    at some point of [start, end]; `prefix` is the path to them ("links__" from a household)."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": end})) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": start})
    )


class DatedQuerySet(models.QuerySet):
    def during(self, start: datetime.date, end: datetime.date):
        """Rows valid at some point of [start, end] (both inclusive)."""
        return self.filter(overlapping(start, end))

    def on(self, day: datetime.date):
        return self.during(day, day)

    def current(self):
        """Rows still open (no end date)."""
        return self.filter(valid_until__isnull=True)


class HouseholdMember(models.Model):
    """A person in a household over a span of time; a person may belong to two households
    (e.g. separated parents), leave a household and come back.

    A link is closed when the person leaves (`valid_until`), never deleted: what was true in a
    past year stays answerable."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="links")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="household_links")
    link = models.CharField(_("lien"), max_length=20, choices=Link.choices, default=Link.OTHER)
    valid_from = models.DateField(
        _("dans le foyer depuis le"),
        null=True,
        blank=True,
        help_text=_("Vide : depuis avant que Coopé ne le sache."),
    )
    valid_until = models.DateField(
        _("a quitté le foyer le"),
        null=True,
        blank=True,
        help_text=_("Vide : fait toujours partie du foyer."),
    )

    objects = ScopedManager(
        cooperation="cooperation", _manager_class=models.Manager.from_queryset(DatedQuerySet)
    )

    class Meta:
        verbose_name = _("membre du foyer")
        verbose_name_plural = _("membres du foyer")
        ordering = [F("valid_from").asc(nulls_first=True), "pk"]
        constraints = [
            # A person can leave and come back, but has one open link per household at most.
            models.UniqueConstraint(
                fields=["household", "person"],
                condition=Q(valid_until__isnull=True),
                name="household_member_one_open_link",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="household_member_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_link_display()})"

    @property
    def is_current(self) -> bool:
        return self.valid_until is None


class HomeHouseSpell(models.Model):
    """A span of time during which a person's home house was `house` (null: none).

    `Person.home_house` is the current value; spells keep the earlier ones. A person without
    any spell has had `Person.home_house` since always."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="home_house_spells")
    house = models.ForeignKey(
        House,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("maison de rattachement"),
    )
    valid_from = models.DateField(
        _("depuis le"), null=True, blank=True, help_text=_("Vide : depuis toujours.")
    )
    valid_until = models.DateField(
        _("jusqu'au"), null=True, blank=True, help_text=_("Vide : encore aujourd'hui.")
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(
        cooperation="cooperation", _manager_class=models.Manager.from_queryset(DatedQuerySet)
    )

    class Meta:
        verbose_name = _("période de rattachement")
        verbose_name_plural = _("périodes de rattachement")
        ordering = [F("valid_from").asc(nulls_first=True), "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(valid_until__isnull=True),
                name="home_house_spell_one_open",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="home_house_spell_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        start = f"{self.valid_from:%d/%m/%Y}" if self.valid_from else "…"
        end = f"{self.valid_until:%d/%m/%Y}" if self.valid_until else "…"
        return f"{self.house or '—'} ({start} – {end})"


class QuotientSource(models.TextChoices):
    CAF = "caf", _("Attestation CAF")
    MSA = "msa", _("Attestation MSA")
    TAX = "tax", _("Avis d'imposition")
    DECLARED = "declared", _("Déclaré par la famille")


class FamilyQuotient(models.Model):
    """A dated family quotient (CAF income figure, euros) of a household, with its source."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="quotients")
    # Encrypted at rest: read in Python (the quotient in force, its fee), never filtered in SQL.
    value = EncryptedPositiveIntegerField(_("quotient familial (€)"), max_value=999_999)
    valid_from = models.DateField(_("valable à partir du"))
    source = models.CharField(_("justificatif"), max_length=20, choices=QuotientSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("quotient familial")
        verbose_name_plural = _("quotients familiaux")
        ordering = ["-valid_from", "-pk"]

    def __str__(self) -> str:
        return f"QF {self.value} € ({self.valid_from:%d/%m/%Y})"


class ConsentKind(models.TextChoices):
    NEWSLETTER = "newsletter", _("Lettre d'information")
    PHOTOS = "photos", _("Droit à l'image (photos)")


class ConsentSource(models.TextChoices):
    PAPER = "paper", _("Formulaire papier")
    DESK = "desk", _("À l'accueil, à l'oral")
    EMAIL = "email", _("Par courriel")
    ONLINE = "online", _("En ligne")


class Consent(models.Model):
    """A consent given or withdrawn, dated, with its source; the latest one counts."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("consentement"), max_length=20, choices=ConsentKind.choices)
    given = models.BooleanField(_("donné"))
    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=20, choices=ConsentSource.choices)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("consentement")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {'oui' if self.given else 'non'} ({self.date:%d/%m/%Y})"


class VisitReason(models.TextChoices):
    INFORMATION = "information", _("Renseignement")
    MEMBERSHIP = "membership", _("Adhésion")
    REGISTRATION = "registration", _("Inscription à une activité")
    ADMIN_HELP = "admin_help", _("Aide aux démarches")
    DIGITAL = "digital", _("Accès au numérique")
    LISTENING = "listening", _("Écoute, orientation")
    OTHER = "other", _("Autre")


class ReceptionVisit(models.Model):
    """A visit at a house's front desk (accueil physique)."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, related_name="visits", verbose_name=_("maison")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("personne"),
    )
    date = models.DateField(_("date"), db_index=True)
    reason = models.CharField(_("motif"), max_length=20, choices=VisitReason.choices)
    comment = EncryptedCharField(_("précision"), max_length=300, blank=True)  # encrypted at rest
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("passage à l'accueil")
        verbose_name_plural = _("passages à l'accueil")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.house}: {self.get_reason_display()}"
