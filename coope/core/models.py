"""The tenant (Cooperation), its associations and houses, staff accounts and the audit log."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coope.core.permissions import Role, user_has_perm


class Cooperation(models.Model):
    """The tenant: associations that share members, tools and programmes."""

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), unique=True)
    card_prefix = models.CharField(
        _("préfixe des cartes"), max_length=8, help_text=_("Début des numéros de carte, ex. ABC.")
    )
    volunteer_hour_value_cents = models.PositiveIntegerField(
        _("valeur d'une heure de bénévolat (centimes)"),
        default=1200,
        help_text=_("Pour valoriser le bénévolat dans les comptes."),
    )
    # Who answers for the cooperation (partners, the CAF, the platform's operators).
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    contact_email = models.EmailField(_("courriel de contact"), blank=True)
    contact_phone = models.CharField(_("téléphone de contact"), max_length=30, blank=True)
    # {"commune": [latitude, longitude]}: the communes of the cooperation's area, to place them
    # on maps (the cannery's tours). A commune missing here is listed beside the map.
    communes = models.JSONField(
        _("communes du territoire"),
        default=dict,
        blank=True,
        help_text=_(
            "Nom de chaque commune et ses coordonnées : {« Commune » : [latitude, longitude]}."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("coopération")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Association(models.Model):
    # Its name names no one: it may be shown to a role that may not see people.
    names_no_one = True
    cooperation = models.ForeignKey(
        Cooperation, on_delete=models.PROTECT, related_name="associations"
    )
    name = models.CharField(_("nom"), max_length=200)
    address = models.CharField(_("adresse"), max_length=300, blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("association membre")
        verbose_name_plural = _("associations membres")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["cooperation", "name"], name="association_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class AgreementKind(models.TextChoices):
    SOCIAL_CENTRE = "cs", _("Centre social (CS)")
    SOCIAL_LIFE_SPACE = "evs", _("Espace de vie sociale (EVS)")


colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Une couleur s'écrit #RRGGBB, ex. #E4572E.")
)


class House(models.Model):
    """A site open to the public (maison de quartier), run by an association."""

    # Its name names no one: it may be shown to a role that may not see people.
    names_no_one = True

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="houses")
    association = models.ForeignKey(Association, on_delete=models.PROTECT, related_name="houses")
    name = models.CharField(_("nom"), max_length=200)
    short_name = models.CharField(_("nom court"), max_length=40)
    address = models.CharField(_("adresse"), max_length=300)
    postcode = models.CharField(_("code postal"), max_length=10)
    city = models.CharField(_("commune"), max_length=100)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    priority_area = models.BooleanField(
        _("quartier prioritaire (QPV)"),
        default=False,
        help_text=_("Dans un quartier prioritaire de la politique de la ville."),
    )
    colour = models.CharField(
        _("couleur"), max_length=7, default="#3A6EA5", validators=[colour_validator]
    )

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("maison de quartier")
        verbose_name_plural = _("maisons de quartier")
        ordering = ["name"]
        # Imports find a house by its name or its short name: two houses of a cooperation
        # never share one, whatever the capitals.
        constraints = [
            models.UniqueConstraint(
                models.F("cooperation"),
                Lower("name"),
                name="house_name_unique",
                violation_error_code="unique",
                violation_error_message=_(
                    "Une maison de la coopération porte déjà ce nom, aux majuscules près : "
                    "choisissez-en un autre ou modifiez celle qui existe."
                ),
            ),
            models.UniqueConstraint(
                models.F("cooperation"),
                Lower("short_name"),
                name="house_short_name_unique",
                violation_error_code="unique",
                violation_error_message=_(
                    "Une maison de la coopération porte déjà ce nom court, aux majuscules "
                    "près : choisissez-en un autre."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """A house is run by an association of its own cooperation."""
        if (
            self.association_id is not None
            and self.cooperation_id is not None
            and Association._base_manager.filter(pk=self.association_id)
            .exclude(cooperation_id=self.cooperation_id)
            .exists()
        ):
            raise ValidationError(
                {"association": _("Cette association n'est pas de la coopération de la maison.")}
            )


class Agreement(models.Model):
    """A CAF agreement held by a house (a house may hold a CS and an EVS agreement)."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(House, on_delete=models.CASCADE, related_name="agreements")
    kind = models.CharField(_("agrément CAF"), max_length=3, choices=AgreementKind.choices)
    since = models.DateField(_("depuis"), null=True, blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("agrément CAF")
        verbose_name_plural = _("agréments CAF")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.house}"


class User(AbstractUser):
    """A staff account. It belongs to one cooperation; roles are given per association."""

    cooperation = models.ForeignKey(
        Cooperation, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    # An inhabitant's login: they see their own TIC-TAC account.
    person = models.OneToOneField(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
        verbose_name=_("personne"),
    )
    # A password Coopé chose (shown once to the person who creates the account) is to be
    # replaced by its holder: « Mon mot de passe » until then (coope/core/views_auth.py).
    must_change_password = models.BooleanField(_("mot de passe à changer"), default=False)

    class Meta:
        verbose_name = _("compte")

    def roles(self) -> set[str]:
        return {r.role for r in self.staff_roles.all()}

    def has_coope_perm(
        self, permission: str, association: "Association | int | None" = None
    ) -> bool:
        return user_has_perm(self, permission, association)


class StaffRole(models.Model):
    """The role a staff account holds in one association of its cooperation."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles")
    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, related_name="staff_roles"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("rôle")
        constraints = [
            models.UniqueConstraint(fields=["user", "association", "role"], name="staffrole_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.association})"


class AuditEntry(models.Model):
    """Who changed what, when: every change to people, households, memberships, money or time."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=40)
    model = models.CharField(_("objet"), max_length=60)
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal des modifications")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["cooperation", "model", "object_id"]),
            # The stamp of kept figures (coope/core/kept.py): the latest change, not an export.
            models.Index(
                fields=["cooperation", "-id"],
                condition=~models.Q(action="export"),
                name="auditentry_latest_change",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.model} {self.object_id}"


class ProjectGroup(models.Model):
    """A groupe projet, which steers a programme (Alimentation, Culture, Mobilité...)."""

    # Its name names no one: it may be shown to a role that may not see people.
    names_no_one = True

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("nom"), max_length=100)
    slug = models.SlugField(_("identifiant"))

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("groupe projet")
        verbose_name_plural = _("groupes projets")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["cooperation", "slug"], name="projectgroup_unique_slug")
        ]

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    """A running `coope worker` process: it writes `seen_at` every few seconds (from a thread,
    so a long import does not stop the beat) and deletes its row when it stops. The health
    page (`/sante/`) reads it. Platform data, in no cooperation."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"


class FormKey(models.Model):
    """A one-time form key (`coope/core/once.py`): a create form carries a random key, and the
    first POST that brings it claims it, in the same transaction as what the view writes. A row
    exists only for a key whose POST was recorded (the view redirected); a later POST with it
    writes nothing and is sent to `location`. Keys belong to one account (or one anonymous
    session) and are deleted a day after their use. Platform data, in no cooperation."""

    owner = models.CharField(max_length=80)
    key = models.CharField(max_length=64)
    location = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="formkey_unique_owner_key")
        ]

    def __str__(self) -> str:
        return f"{self.owner}:{self.key}"
