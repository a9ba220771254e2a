"""The forms of the core's screens: a new cooperation (platform administrators), and the setup
screens of a cooperation (its name and contact, associations, houses, CAF agreements, staff
accounts and roles). Forms only check; the writes are in coope/core/services.py."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coope.core.models import Agreement, Association, Cooperation, House, User
from coope.core.permissions import Role
from coope.lib.bounds import Bounded

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CARD_PREFIX_PATTERN = re.compile(r"^[A-Z0-9]{1,8}$")


def tenant_form(form_class, cooperation):
    """`form_class` with its instance in `cooperation` before validation, so that the unique
    constraints on (cooperation, ...) are checked by the form and said on the field (a name
    already used in the cooperation is a form error, not an error page)."""

    class TenantForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            has_cooperation = any(f.name == "cooperation" for f in self.instance._meta.fields)
            if has_cooperation and self.instance.cooperation_id is None and cooperation is not None:
                self.instance.cooperation = cooperation

        def _get_validation_exclusions(self):
            exclude = super()._get_validation_exclusions()
            if getattr(self.instance, "cooperation_id", None) is not None:
                exclude.discard("cooperation")
            return exclude

        def validate_unique(self):
            try:
                self.instance.validate_unique(exclude=self._get_validation_exclusions())
            except ValidationError as error:
                self._update_errors(_on_the_field(error, self))

        def validate_constraints(self):
            try:
                self.instance.validate_constraints(exclude=self._get_validation_exclusions())
            except ValidationError as error:
                self._update_errors(_on_the_field(error, self))

    TenantForm.__name__ = form_class.__name__
    return TenantForm


def _on_the_field(error: ValidationError, form) -> ValidationError:
    """A value already used in the cooperation: said on the field that holds it, in words. An
    error on a field the form does not show (the cooperation) is said for the whole form."""
    if not hasattr(error, "error_dict"):
        return error
    errors: dict[str, list[ValidationError]] = {}
    for field, items in error.error_dict.items():
        for item in items:
            check = (item.params or {}).get("unique_check", ())
            others = [name for name in check if name != "cooperation"]
            if item.code == "unique_together" and "cooperation" in check and len(others) == 1:
                field = others[0] if others[0] in form.fields else field
                item = ValidationError(
                    _(
                        "« %(value)s » est déjà utilisé dans la coopération : choisissez-en un autre."
                    ),
                    code="unique",
                    params={"value": form.cleaned_data.get(others[0], "")},
                )
            elif field == "cooperation" and field not in form.fields:
                field = NON_FIELD_ERRORS
                item = ValidationError(
                    _("La coopération a déjà cet objet : modifiez celui qui existe."),
                    code="unique",
                )
            errors.setdefault(field, []).append(item)
    return ValidationError(errors)


def _username_field() -> forms.CharField:
    return forms.CharField(
        label=_("Identifiant de connexion"),
        max_length=150,
        validators=[User.username_validator],
        help_text=_("Lettres, chiffres et @ . + - _ seulement, ex. marie.dupont."),
    )


def _password_field() -> forms.CharField:
    return forms.CharField(
        label=_("Mot de passe"),
        required=False,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Laissez vide : Coopé en choisit un, affiché une seule fois, à transmettre à la "
            "personne, qui le changera (menu « Mon mot de passe »)."
        ),
    )


class AccountFieldsMixin:
    """The person's identity and password, checked as Django checks passwords."""

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(
                _("L'identifiant « %(u)s » est déjà pris : choisissez-en un autre."),
                params={"u": username},
            )
        return username

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            someone = User(
                username=cleaned.get("username", ""),
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                validate_password(password, someone)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class NewCooperationForm(AccountFieldsMixin, Bounded, forms.Form):
    """A new cooperation, its first association and its first director."""

    name = forms.CharField(label=_("Nom de la coopération"), max_length=200)
    slug = forms.CharField(
        label=_("Identifiant"),
        max_length=50,
        help_text=_(
            "Dans les adresses (agenda public…) : lettres minuscules sans accent, chiffres et "
            "tirets, ex. val-de-drome."
        ),
    )
    card_prefix = forms.CharField(
        label=_("Préfixe des cartes d'adhésion"),
        max_length=8,
        help_text=_("Début des numéros de carte : 1 à 8 lettres ou chiffres, ex. VDD."),
    )
    association_name = forms.CharField(
        label=_("Première association"),
        max_length=200,
        help_text=_("Une association de la coopération, que la direction dirige."),
    )
    username = _username_field()
    email = forms.EmailField(label=_("Courriel"), max_length=254)
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=150, required=False)
    password = _password_field()

    def clean_slug(self):
        slug = self.cleaned_data["slug"].strip().lower()
        if not SLUG_PATTERN.match(slug):
            raise ValidationError(
                _(
                    "« %(slug)s » ne convient pas : lettres minuscules sans accent, chiffres et "
                    "tirets seulement (pas au début ni à la fin), ex. val-de-drome."
                ),
                params={"slug": slug},
            )
        if Cooperation.objects.filter(slug=slug).exists():
            raise ValidationError(
                _("L'identifiant « %(slug)s » est déjà pris par une autre coopération."),
                params={"slug": slug},
            )
        return slug

    def clean_card_prefix(self):
        prefix = self.cleaned_data["card_prefix"].strip().upper()
        if not CARD_PREFIX_PATTERN.match(prefix):
            raise ValidationError(
                _("« %(p)s » ne convient pas : 1 à 8 lettres sans accent ou chiffres, ex. VDD."),
                params={"p": prefix},
            )
        return prefix


class CooperationForm(Bounded, forms.ModelForm):
    class Meta:
        model = Cooperation
        fields = ["name", "address", "contact_email", "contact_phone"]


class AssociationForm(Bounded, forms.ModelForm):
    class Meta:
        model = Association
        fields = ["name", "address"]


class NewAssociationForm(AssociationForm):
    direct_it = forms.BooleanField(
        label=_("Je dirige aussi cette association (rôle de direction)"),
        required=False,
        initial=True,
    )


class ColourInput(forms.TextInput):
    """The browser's colour picker (it sends #rrggbb; the model checks what arrives)."""

    input_type = "color"

    def __init__(self, attrs=None):
        # A swatch as tall as the other fields (the page's padding would flatten it).
        super().__init__({"style": "height: 2.9rem; padding: .2rem", **(attrs or {})})


class HouseForm(Bounded, forms.ModelForm):
    association: forms.ModelChoiceField[Association] = forms.ModelChoiceField(
        label=_("Association qui la gère"), queryset=Association.objects.none()
    )

    class Meta:
        model = House
        fields = [
            "association",
            "name",
            "short_name",
            "address",
            "postcode",
            "city",
            "phone",
            "priority_area",
            "colour",
        ]
        widgets = {"colour": ColourInput()}

    def __init__(self, *args, cooperation, **kwargs):
        super().__init__(*args, **kwargs)
        associations = Association.objects.filter(cooperation=cooperation)
        self.fields["association"].queryset = associations
        if self.instance.pk is None and len(associations) == 1:
            self.fields["association"].initial = associations[0].pk
        self.instance.cooperation = cooperation


class AgreementForm(Bounded, forms.ModelForm):
    house: forms.ModelChoiceField[House] = forms.ModelChoiceField(
        label=_("Maison"), queryset=House.objects.none()
    )

    class Meta:
        model = Agreement
        fields = ["house", "kind", "since"]
        widgets = {"since": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, cooperation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = House.objects.filter(cooperation=cooperation)

    def clean_since(self):
        since = self.cleaned_data["since"]
        last = datetime.date(timezone.localdate().year + 1, 12, 31)
        if since is not None and not datetime.date(1945, 1, 1) <= since <= last:
            raise ValidationError(
                _("Date d'agrément improbable (%(d)s) : vérifiez l'année."),
                params={"d": f"{since:%d/%m/%Y}"},
            )
        return since


class RoleForm(Bounded, forms.Form):
    association: forms.ModelChoiceField[Association] = forms.ModelChoiceField(
        label=_("Association"), queryset=Association.objects.none()
    )
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)

    def __init__(self, *args, cooperation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["association"].queryset = Association.objects.filter(cooperation=cooperation)


class NewAccountForm(AccountFieldsMixin, RoleForm):
    """A staff account with its first role."""

    username = _username_field()
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    email = forms.EmailField(label=_("Courriel"), max_length=254, required=False)
    password = _password_field()

    field_order = ["username", "first_name", "last_name", "email", "association", "role"]
