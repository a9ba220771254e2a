"""Importing the activities themselves: activities, their sessions (in a house or a commune,
public or not), registrations and headcounts (docs/imports.md, « Activités », « Séances »,
« Inscriptions », « Comptages »).

The rules are the framework's (coope/imports/): every bad row reported with its row, column and
reason, nothing half-written. Writes go through coope/activities/services.py. Re-importing is
safe: a row that matches a record of Coopé (an activity by title and house, a session by
activity and start, a registration by session and person, a headcount by session and age band)
with the same content is « déjà présente »; with another content it is reported, and nothing is
overwritten. The importers are declared in coope/activities/apps.py (`import_kinds`).
"""

import dataclasses
import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.activities import services
from coope.activities.lookups import ActivityRows, activity_columns
from coope.activities.models import (
    Activity,
    ActivityKind,
    Headcount,
    Registration,
    RegistrationStatus,
    Session,
)
from coope.core.import_rows import (
    ProjectGroups,
    check_day,
    described_person_columns,
    differences,
    find_programme,
    parse_count,
    parse_yes_no,
    shown,
)
from coope.core.models import House
from coope.imports import (
    Column,
    Importer,
    Problems,
    as_text,
    choices_table,
    parse_choice,
    parse_date,
    parse_time,
    take_cell,
    words_of,
)
from coope.lib.periods import AGE_BANDS
from coope.lib.spreadsheets import Cell

MAX_PLACES = 5_000
MAX_HEADCOUNT = 10_000
# Sessions are planned ahead (the agenda): up to two years from today.
AHEAD = datetime.timedelta(days=2 * 366)

KINDS = choices_table(
    ActivityKind.choices,
    {"ateliers": "workshop", "visite": "outing", "concert": "show", "reunions": "meeting"},
)
STATUSES = choices_table(
    RegistrationStatus.choices,
    {
        "inscrit": "confirmed",
        "inscrite": "confirmed",
        "confirme": "confirmed",
        "confirmee": "confirmed",
        "attente": "waiting",
        "en attente": "waiting",
        "desinscrit": "cancelled",
        "desinscrite": "cancelled",
        "annule": "cancelled",
        "annulee": "cancelled",
    },
)
ALL_AGES = "tous âges"
AGE_BAND_NAMES = choices_table(
    [(band, band) for band, _low, _high in AGE_BANDS],
    {
        **{f"{low} {high} ans": band for band, low, high in AGE_BANDS if high is not None},
        **{f"{low} a {high} ans": band for band, low, high in AGE_BANDS if high is not None},
        **{f"{low} ans et plus": band for band, low, high in AGE_BANDS if high is None},
        **{f"plus de {low} ans": band for band, low, high in AGE_BANDS if high is None},
        "tous": "",
        "tous ages": "",
        "tout age": "",
    },
)


# The activity (by its title and house) and the session's start, as the attendance import
# reads them, with their help.
_title, _house, _start = activity_columns(required=True)
ACTIVITY = _title.with_help(
    gettext_lazy("Titre de l'activité, tel qu'il est dans Coopé."), "Couture"
)
ACTIVITY_HOUSE = _house.with_help(
    gettext_lazy(
        "Maison de l'activité (nom ou nom court), pour distinguer deux activités du même titre ; "
        "vide pour une activité de toute la coopération."
    ),
    "Les Tilleuls",
)
# Every session of these imports is named by its start: the column is required here.
START = dataclasses.replace(_start, required=True).with_help(
    gettext_lazy("Heure de début de la séance, ex. 14:30 ou 14 h 30."),
    "14:30",
)
SESSION_DATE = Column(
    "date",
    required=True,
    aliases=("date_de_la_seance", "jour", "date_seance"),
    help=gettext_lazy("Date de la séance, JJ/MM/AAAA."),
    example="12/03/2018",
)


def _start_of(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


def _day_and_start(values, problems) -> tuple[datetime.date | None, datetime.time | None]:
    """The session's date (in sense: from 1990 to two years ahead) and its start time."""
    day = take_cell(values, "date", parse_date, problems)
    if day is None and not any(key == "date" for key, _message in problems):
        problems.append(("date", _("La date de la séance manque.")))
    check_day(day, "date", problems, latest=timezone.localdate() + AHEAD)
    start = take_cell(values, "heure", parse_time, problems)
    if start is None and not any(key == "heure" for key, _message in problems):
        problems.append(("heure", _("L'heure de début de la séance manque, ex. 14:30.")))
    return day, start


def _find_session(activity: Activity, day: datetime.date, start: datetime.time, problems):
    """The session of a registration or a headcount: it must be in Coopé already."""
    found = list(Session.objects.filter(activity=activity, starts_at=_start_of(day, start)))
    if len(found) == 1:
        return found[0]
    problems.append(
        (
            "heure" if found else "date",
            (
                _("« %(t)s » a deux séances le %(d)s : corrigez-les d'abord dans Coopé.")
                if found
                else _(
                    "Aucune séance de « %(t)s » le %(d)s dans Coopé : vérifiez la date et l'heure, "
                    "ou importez d'abord les séances (import « séances »)."
                )
            )
            % {"t": activity, "d": f"{day:%d/%m/%Y} {start:%H:%M}"},
        )
    )
    return None


class _SessionRows(Importer):
    """A row that names a session already in Coopé (registrations, headcounts)."""

    permission = "activities.attendance"
    refused = gettext_lazy(
        "Vous ne pouvez pas enregistrer d'inscriptions ou de comptages pour « %(t)s » : ce "
        "n'est pas une activité de votre association."
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rows = ActivityRows(self)

    def session_of(self, values, problems) -> Session | None:
        day, start = _day_and_start(values, problems)
        house = self.rows.house(values, problems)
        if not as_text(values.get("activite")):
            problems.append(("activite", _("Le titre de l'activité manque.")))
        activity = self.rows.activity(values, house, problems)
        if activity is None:
            return None
        if not self.rows.may(self.permission, self.rows.association_of(activity, house)):
            problems.append(("activite", self.refused % {"t": activity}))
            return None
        if day is None or start is None:
            return None
        return _find_session(activity, day, start, problems)


# -- activities ---------------------------------------------------------------------------------


class ActivityImporter(Importer):
    """One row per activity of a house, or of the whole cooperation (maison empty)."""

    kind = "activities"
    other_names = ("activites",)
    label = gettext_lazy("Activités")
    depends_on = ("houses",)
    columns = (
        Column(
            "titre",
            required=True,
            aliases=("activite", "intitule", "nom_de_l_activite"),
            help=gettext_lazy("Titre de l'activité, ex. Atelier couture."),
            example="Atelier couture",
        ),
        Column(
            "maison",
            aliases=("maison_de_quartier",),
            help=gettext_lazy(
                "Maison qui la propose (nom ou nom court) ; vide : activité de toute la coopération."
            ),
            example="Les Tilleuls",
        ),
        Column(
            "type",
            aliases=("type_d_activite", "genre"),
            help=gettext_lazy(
                "atelier, sortie, spectacle, réunion, cours, accueil libre ou autre ; vide : atelier."
            ),
            example="atelier",
        ),
        Column(
            "theme",
            aliases=("thème", "thematique"),
            help=gettext_lazy("Thème, libre (l'agenda public se filtre par thème)."),
            example="Couture",
        ),
        Column(
            "programme",
            aliases=("code_programme",),
            help=gettext_lazy(
                "Programme dont l'activité fait partie (ses chiffres la comptent), par son code ou "
                "son nom ; vide : aucun."
            ),
            example="cannery",
        ),
        Column(
            "places",
            aliases=("capacite", "nombre_de_places", "jauge"),
            help=gettext_lazy("Nombre de places, de 1 à 5 000 ; vide : sans limite."),
            example="12",
        ),
        Column(
            "publique",
            aliases=("public", "dans_l_agenda", "agenda"),
            help=gettext_lazy("oui : dans l'agenda public ; non : interne. Vide : oui."),
            example="oui",
        ),
        Column(
            "reguliere",
            aliases=("régulière", "activite_reguliere", "plaquette"),
            help=gettext_lazy(
                "oui : activité régulière, dans la plaquette de l'année ; vide : non."
            ),
            example="oui",
        ),
        Column(
            "groupe_projet",
            aliases=("groupe", "groupe_projet_programme"),
            help=gettext_lazy("Groupe projet qui la porte (nom) ; vide : aucun."),
            example="Culture",
        ),
    )
    field_columns = {
        "title": "titre",
        "house": "maison",
        "kind": "type",
        "theme": "theme",
        "programme": "programme",
        "capacity": "places",
        "project_group": "groupe_projet",
    }
    count_labels = {"activities": gettext_lazy("activités créées")}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.find_group = ProjectGroups(self.cooperation)

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []

        def take(key, parse):
            return take_cell(values, key, parse, problems)

        title = as_text(values.get("titre"))
        if not title:
            problems.append(("titre", _("Le titre de l'activité manque.")))
        house = take("maison", self.find_house)
        kind = take(
            "type",
            lambda v: parse_choice(
                v, KINDS, _("atelier, sortie, spectacle, réunion, cours, accueil libre ou autre")
            ),
        )
        programme = take("programme", find_programme)
        capacity = take("places", lambda v: parse_count(v, low=1, high=MAX_PLACES))
        public = take("publique", parse_yes_no)
        regular = take("reguliere", parse_yes_no)
        group = take("groupe_projet", self.find_group)
        theme = as_text(values.get("theme"))
        association = house.association_id if house is not None else None
        if not any(key == "maison" for key, _m in problems) and not self.can(
            "activities.manage", association
        ):
            problems.append(
                (
                    "maison",
                    _(
                        "Vous ne pouvez pas créer d'activité pour %(h)s : demandez à la direction "
                        "ou à la coordination de son association."
                    )
                    % {"h": house or _("toute la coopération")},
                )
            )
        if problems:
            raise Problems(problems)
        same = [
            a
            for a in Activity.objects.filter(cooperation=self.cooperation, house=house)
            if words_of(a.title) == words_of(title)
        ]
        if len(same) > 1:
            raise Problems(
                [("titre", _("Coopé a déjà plusieurs activités « %(t)s » ici.") % {"t": title})]
            )
        if same:
            activity = same[0]
            found = differences(
                _("L'activité « %(t)s »") % {"t": activity},
                [
                    ("type", _("le type"), activity.kind, kind),
                    ("theme", _("le thème"), activity.theme, theme or None),
                    ("programme", _("le programme"), activity.programme, programme),
                    ("places", _("le nombre de places"), activity.capacity, capacity),
                    ("publique", _("« publique »"), activity.public, public),
                    ("reguliere", _("« régulière »"), activity.regular, regular),
                    ("groupe_projet", _("le groupe projet"), activity.project_group, group),
                ],
            )
            if found:
                raise Problems(found)
            self.already_present()
            return
        services.create_activity(
            actor=self.actor,
            cooperation=self.cooperation,
            title=title,
            house=house,
            kind=kind or ActivityKind.WORKSHOP,
            theme=theme,
            programme=programme or "",
            capacity=capacity,
            public=True if public is None else public,
            regular=bool(regular),
            project_group=group,
        )
        self.counts["activities"] += 1


# -- sessions -----------------------------------------------------------------------------------


class SessionImporter(Importer):
    """One row per session: an activity's date and times, at a house or in a commune."""

    kind = "sessions"
    other_names = ("seances",)
    label = gettext_lazy("Séances")
    depends_on = ("activities",)
    columns = (
        ACTIVITY,
        ACTIVITY_HOUSE.with_help(
            gettext_lazy(
                "Maison où a lieu la séance (nom ou nom court) ; vide : celle de l'activité. "
                "Avec une commune, la maison de l'activité seulement."
            ),
            "Les Tilleuls",
        ),
        SESSION_DATE,
        START,
        Column(
            "heure_fin",
            required=True,
            aliases=("heure_de_fin", "fin"),
            help=gettext_lazy("Heure de fin, après l'heure de début, ex. 16:30."),
            example="16:30",
        ),
        Column(
            "commune",
            aliases=("village", "lieu_commune"),
            help=gettext_lazy(
                "Commune où a lieu la séance quand ce n'est pas une maison (la conserverie va "
                "dans les villages) ; vide : dans une maison."
            ),
            example="Peyrins",
        ),
        Column(
            "publique",
            aliases=("public", "dans_l_agenda", "agenda"),
            help=gettext_lazy(
                "oui : dans l'agenda public (si l'activité est publique) ; non : interne. "
                "Vide : comme l'activité."
            ),
            example="oui",
        ),
        Column(
            "places",
            aliases=("capacite", "nombre_de_places", "jauge"),
            help=gettext_lazy(
                "Places de cette séance, de 1 à 5 000 ; vide : celles de l'activité."
            ),
            example="12",
        ),
    )
    field_columns = {"commune": "commune", "capacity": "places", "starts_at": "heure"}
    count_labels = {"sessions": gettext_lazy("séances créées")}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rows = ActivityRows(self)
        # {normalised name: name as the cooperation writes it}; empty: any commune is accepted.
        self.communes = {words_of(name): name for name in self.cooperation.communes or {}}

    def find_commune(self, value: Cell) -> str | None:
        text = " ".join(as_text(value).split())
        if not text:
            return None
        if len(text) > 100:
            raise ValueError(_("Nom de commune trop long (100 caractères au plus)."))
        if not self.communes:
            return text
        if words_of(text) not in self.communes:
            raise ValueError(
                _(
                    "Commune « %(v)s » inconnue de la coopération. Communes du territoire : "
                    "%(k)s. Écrivez-la comme dans cette liste ; si c'est une autre commune du "
                    "territoire, ajoutez-la d'abord à la liste (menu Administration, fiche de la "
                    "coopération)."
                )
                % {"v": text, "k": ", ".join(sorted(self.communes.values()))}
            )
        return self.communes[words_of(text)]

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []

        def take(key, parse):
            return take_cell(values, key, parse, problems)

        day, start = _day_and_start(values, problems)
        end = take("heure_fin", parse_time)
        if end is None and not any(key == "heure_fin" for key, _m in problems):
            problems.append(("heure_fin", _("L'heure de fin manque, ex. 16:30.")))
        if start is not None and end is not None and end <= start:
            problems.append(
                (
                    "heure_fin",
                    _("L'heure de fin (%(e)s) doit être après l'heure de début (%(s)s).")
                    % {"e": f"{end:%H:%M}", "s": f"{start:%H:%M}"},
                )
            )
        commune = take("commune", self.find_commune)
        public = take("publique", parse_yes_no)
        capacity = take("places", lambda v: parse_count(v, low=1, high=MAX_PLACES))
        house = self.rows.house(values, problems)
        if not as_text(values.get("activite")):
            problems.append(("activite", _("Le titre de l'activité manque.")))
        activity = self.rows.activity(values, house, problems)
        place: House | None = None
        if activity is not None:
            # A commune refused above is still the place the row meant.
            written = commune or as_text(values.get("commune"))
            place = self.place(activity, house, written, public, problems)
        if problems:
            raise Problems(problems)
        starts_at = _start_of(day, start)
        ends_at = _start_of(day, end)
        found = list(Session.objects.filter(activity=activity, starts_at=starts_at))
        if len(found) > 1:
            raise Problems(
                [
                    (
                        "heure",
                        _("Coopé a déjà deux séances de « %(t)s » à cette heure.")
                        % {"t": activity},
                    )
                ]
            )
        if found:
            session = found[0]
            problems = differences(
                _("La séance « %(s)s »") % {"s": session},
                [
                    ("heure_fin", _("l'heure de fin"), shown(session.ends_at), shown(ends_at)),
                    (
                        "commune" if commune else "maison",
                        _("le lieu"),
                        session.house or session.commune,
                        place or commune,
                    ),
                    ("publique", _("« publique »"), session.public, public),
                    ("places", _("le nombre de places"), session.capacity, capacity),
                    ("date", _("« annulée »"), session.cancelled, False),
                ],
            )
            if problems:
                raise Problems(problems)
            self.already_present()
            return
        services.schedule_sessions(
            actor=self.actor,
            activity=activity,
            first_start=starts_at,
            duration=ends_at - starts_at,
            house=place,
            commune=commune or "",
            public=public,
            capacity=capacity,
        )
        self.counts["sessions"] += 1

    def place(self, activity, house, commune, public, problems) -> House | None:
        """The house the session is held at (None: in `commune`); checks the place and rights."""
        if commune and house is not None and activity.house_id != house.pk:
            problems.append(
                (
                    "commune",
                    _(
                        "Une séance a lieu dans une maison ou dans une commune, pas les deux : "
                        "videz la colonne maison ou la colonne commune."
                    ),
                )
            )
        place = None if commune else (house or activity.house)
        if not commune and place is None:
            problems.append(
                (
                    "commune",
                    _(
                        "Où a lieu la séance de « %(t)s », activité de toute la coopération ? "
                        "Écrivez une maison (colonne maison) ou une commune (colonne commune)."
                    )
                    % {"t": activity},
                )
            )
        if public and not activity.public:
            problems.append(
                (
                    "publique",
                    _(
                        "L'activité « %(t)s » n'est pas publique : ses séances ne sont pas dans "
                        "l'agenda. Écrivez non, ou rendez d'abord l'activité publique."
                    )
                    % {"t": activity},
                )
            )
        if not self.rows.may("activities.manage", self.rows.association_of(activity, place)):
            problems.append(
                (
                    "activite",
                    _(
                        "Vous ne pouvez pas créer de séances de « %(t)s » : ce n'est pas une "
                        "activité de votre association."
                    )
                    % {"t": activity},
                )
            )
        return place


# -- registrations ------------------------------------------------------------------------------


class RegistrationImporter(_SessionRows):
    """One row per person registered at a session, with their state."""

    kind = "registrations"
    other_names = ("inscriptions",)
    label = gettext_lazy("Inscriptions aux séances")
    depends_on = ("people", "sessions")
    columns = (
        ACTIVITY,
        ACTIVITY_HOUSE,
        SESSION_DATE,
        START,
        *described_person_columns(),
        Column(
            "etat",
            aliases=("statut", "inscription", "état"),
            help=gettext_lazy("inscrit·e, liste d'attente ou désinscrit·e ; vide : inscrit·e."),
            example="inscrit",
        ),
    )
    count_labels = {"registrations": gettext_lazy("inscriptions enregistrées")}

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []
        status = take_cell(
            values,
            "etat",
            lambda v: parse_choice(v, STATUSES, _("inscrit·e, liste d'attente ou désinscrit·e")),
            problems,
        )
        session = self.session_of(values, problems)
        person = self.rows.person(values, problems)
        if problems:
            raise Problems(problems)
        status = status or RegistrationStatus.CONFIRMED
        existing = Registration.objects.filter(session=session, person=person).first()
        if existing is not None:
            problems = differences(
                _("L'inscription de %(p)s") % {"p": person},
                [
                    (
                        "etat",
                        _("l'état"),
                        existing.get_status_display(),
                        str(RegistrationStatus(status).label),
                    )
                ],
            )
            if problems:
                raise Problems(problems)
            self.already_present()
            return
        services.record_registration(
            actor=self.actor, session=session, person=person, status=status
        )
        self.counts["registrations"] += 1


# -- headcounts ---------------------------------------------------------------------------------


class HeadcountImporter(_SessionRows):
    """One row per session and age band: people counted without their names."""

    kind = "headcounts"
    other_names = ("comptages",)
    label = gettext_lazy("Comptages (personnes sans nom)")
    depends_on = ("sessions",)
    columns = (
        ACTIVITY,
        ACTIVITY_HOUSE,
        SESSION_DATE,
        START,
        Column(
            "tranche_age",
            aliases=("tranche_d_age", "age", "ages"),
            help=gettext_lazy(
                "Tranche d'âge : 0-5, 6-11, 12-17, 18-25, 26-59 ou 60+ ; vide : tous âges."
            ),
            example="6-11",
        ),
        Column(
            "nombre",
            required=True,
            aliases=("nombre_de_personnes", "comptage", "effectif", "personnes"),
            help=gettext_lazy("Nombre de personnes comptées, de 1 à 10 000."),
            example="25",
        ),
    )
    count_labels = {"headcounts": gettext_lazy("comptages enregistrés")}

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []
        band = take_cell(
            values,
            "tranche_age",
            lambda v: parse_choice(
                v, AGE_BAND_NAMES, _("0-5, 6-11, 12-17, 18-25, 26-59, 60+ ou tous âges")
            ),
            problems,
        )
        count = take_cell(
            values, "nombre", lambda v: parse_count(v, low=1, high=MAX_HEADCOUNT), problems
        )
        if count is None and not any(key == "nombre" for key, _m in problems):
            problems.append(("nombre", _("Le nombre de personnes manque.")))
        session = self.session_of(values, problems)
        if problems:
            raise Problems(problems)
        band = band or ""
        counts = {h.age_band: h.count for h in Headcount.objects.filter(session=session)}
        if band in counts:
            problems = differences(
                _("Le comptage %(b)s de la séance « %(s)s »")
                % {"b": band or ALL_AGES, "s": session},
                [("nombre", _("le nombre"), counts[band], count)],
            )
            if problems:
                raise Problems(problems)
            self.already_present()
            return
        # The service replaces a session's counts: the other age bands are written again.
        services.record_headcount(actor=self.actor, session=session, counts={**counts, band: count})
        self.counts["headcounts"] += 1
