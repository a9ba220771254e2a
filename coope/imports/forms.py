"""The form of the import page: what the file contains, and the file."""

from django import forms
from django.utils.translation import gettext_lazy as _

from coope.imports.models import WORKBOOK
from coope.imports.registry import ordered_kinds
from coope.lib.sheet_reading import ENCODING_CHOICES, ENCODING_LABELS, MAX_FILE_BYTES

MAX_UPLOAD_BYTES = MAX_FILE_BYTES
ACCEPTED_EXTENSIONS = (".csv", ".txt", ".xlsx", ".ods", ".xls")


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Que contient le fichier ?"),
        widget=forms.RadioSelect,
        choices=(),
    )
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_(
            "CSV, XLSX (Excel) ou ODS (LibreOffice), 10 Mo au plus. "
            "Les titres des colonnes sont sur la première ligne."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS[:-1])}),
    )
    encoding = forms.ChoiceField(
        label=_("Encodage (fichier CSV)"),
        required=False,
        choices=[
            ("", _("Reconnu par Coopé")),
            *[(code, ENCODING_LABELS[code]) for code in ENCODING_CHOICES],
        ],
        help_text=_(
            "Laissez « Reconnu par Coopé » : il vous le demande quand il ne peut pas le dire. "
            "Un CSV enregistré par Excel sous Windows est en Latin-1 (Windows) ; sur Mac, en Mac "
            "Roman ; « CSV UTF-8 » est en UTF-8."
        ),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (WORKBOOK, _("Un classeur entier : une feuille par type (le modèle de Coopé)")),
            *[
                (kind, importer.label)
                for kind, importer in ordered_kinds().items()
                if importer.may_import(user)
            ],
        ]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Ce fichier est trop gros (10 Mo au plus) : découpez-le en plusieurs.")
            )
        if not upload.name.lower().endswith(ACCEPTED_EXTENSIONS):
            raise forms.ValidationError(_("Envoyez un fichier .csv, .xlsx ou .ods."))
        return upload
