"""A new cooperation starts from its spreadsheets, in the browser, as its people would: the
platform administrator creates it and its director; the director signs in with the password
shown once, opens « Configuration », downloads the template workbook, fills it (here generated:
associations, houses, staff roles, a fee grid, people, households with dated members,
memberships of several lengths, activities with sessions in houses and villages, attendance,
a headcount, volunteer hours), imports it, and reads on « Chiffres clés » the figures counted
here from the generated rows. The same workbook imported again adds nothing."""

import datetime
import io
import random
from dataclasses import dataclass, field

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from coope.core.models import User
from coope.imports.framework import new_and_present
from coope.lib.indicators import Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLATFORM_PASSWORD = "ops-pass-4521"  # noqa: S105
ASSOCIATION = "Centre social des Collines"
SECOND_ASSOCIATION = "MJC du Pont"
DIRECTOR = "nadia.berger"
HOUSES = (  # short name, name, association
    ("CO", "Maison des Collines", ASSOCIATION),
    ("PL", "Maison du Plateau", ASSOCIATION),
    ("PO", "Maison du Pont", SECOND_ASSOCIATION),
)
FIRST_NAMES = ("Awa", "Bruno", "Chloé", "David", "Élise", "Farid", "Gaëlle", "Hugo")
LAST_NAMES = ("Arnaud", "Benali", "Chabert", "Diallo", "Faure", "Giraud")
# Households 0-9 take a household membership; the members of 10-14 and the people in no household
# take their own (a person covered by their household's card takes none).
HOUSEHOLD_SIZES = (3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2)
PEOPLE = 48


def day(value: datetime.date) -> str:
    return f"{value:%d/%m/%Y}"


def overlaps(start, end, period_start, period_end) -> bool:
    """`end` None: still running."""
    return start <= period_end and (end is None or end >= period_start)


# (person index, household index, from, until); None: since always, still there.
Stay = tuple[int, int, datetime.date | None, datetime.date | None]


@dataclass
class Generated:
    """The rows typed into the template, and what the test knows of them to count the figures."""

    year: int
    sheets: dict[str, list[dict]] = field(default_factory=dict)
    people: list[tuple[str, str, datetime.date]] = field(default_factory=list)
    # The dated stays of people in households.
    stays: list[Stay] = field(default_factory=list)
    # (person index or None, household index or None, from, until, fee in cents, period year)
    memberships: list[tuple] = field(default_factory=list)
    attendance: set[tuple[int, int]] = field(default_factory=set)  # (session index, person)
    sessions: list[dict] = field(default_factory=list)
    headcount: int = 0
    hours: list[tuple[int, datetime.date, int, str]] = field(default_factory=list)

    def rows(self) -> int:
        return sum(len(rows) for rows in self.sheets.values())


def generate(year: int) -> Generated:
    """Seeded, so a failure replays; every count below comes from these rows, not from Coopé."""
    rng = random.Random(year)  # noqa: S311 (test data)
    data = Generated(year)
    start = datetime.date(year, 1, 1)
    last_year = datetime.date(year - 1, 1, 1)

    data.sheets["Associations membres"] = [
        {"nom": ASSOCIATION},  # created with the cooperation: « déjà présente »
        {"nom": SECOND_ASSOCIATION, "adresse": "3 rue du Pont, 26300 Bourg-de-Péage"},
    ]
    data.sheets["Maisons de quartier"] = [
        {
            "association": association,
            "nom": name,
            "nom_court": short,
            "adresse": f"{n + 1} place du Marché",
            "code_postal": "26100",
            "commune": "Romans-sur-Isère",
            "couleur": colour,
            "qpv": "oui" if n == 0 else "non",
        }
        for n, ((short, name, association), colour) in enumerate(
            zip(HOUSES, ("#E4572E", "#17BEBB", "#76B041"), strict=True)
        )
    ]
    # The director also directs the second association, whose house takes memberships.
    data.sheets["Comptes et rôles de l'équipe"] = [
        {"identifiant": DIRECTOR, "association": SECOND_ASSOCIATION, "role": "direction"},
        {
            "identifiant": "lea.accueil",
            "prenom": "Léa",
            "nom": "Martin",
            "courriel": "lea@example.org",
            "association": ASSOCIATION,
            "role": "accueil",
        },
    ]
    data.sheets["Périodes et tarifs d'adhésion"] = [
        {
            "periode": str(y),
            "debut": day(datetime.date(y, 1, 1)),
            "fin": day(datetime.date(y, 12, 31)),
            "type": kind,
            "qf_min": low,
            "qf_max": high,
            "montant": amount,
        }
        for y in (year - 1, year)
        for kind, low, high, amount in (
            ("individuelle", "", "500", "5"),
            ("individuelle", "501", "", "10"),
            ("familiale", "", "500", "8"),
            ("familiale", "501", "", "15"),
        )
    ]

    names = [(f, la) for la in LAST_NAMES for f in FIRST_NAMES]
    rng.shuffle(names)
    people_rows = []
    for first, last in names[:PEOPLE]:
        born = datetime.date(rng.randint(1950, 2015), rng.randint(1, 12), rng.randint(1, 28))
        data.people.append((first, last, born))
        people_rows.append(
            {
                "prenom": first,
                "nom": last,
                "date_naissance": day(born),
                "sexe": rng.choice("FMX"),
                "commune": rng.choice(("Romans-sur-Isère", "Peyrins", "Triors")),
                "maison": rng.choice(HOUSES)[0],
            }
        )
    data.sheets["Personnes"] = people_rows

    household_rows, household_quotients = [], []
    person = 0
    for h, size in enumerate(HOUSEHOLD_SIZES):
        quotient = rng.randint(300, 1200)
        household_quotients.append(quotient)
        for m in range(size):
            first, last, born = data.people[person]
            joined, left = datetime.date(2000, 1, 1), None
            row = {
                "foyer": f"Foyer {h + 1:02d}",
                "prenom": first,
                "nom": last,
                "date_naissance": day(born),
                "lien": ("responsable", "conjoint", "enfant")[m],
            }
            if m == 0:
                row |= {
                    "quotient": str(quotient),
                    "date_quotient": day(last_year),
                    "source_quotient": "CAF",
                    "adresse": f"{h + 1} rue des Tilleuls",
                    "code_postal": "26100",
                    "commune": "Romans-sur-Isère",
                }
            if (h, m) == (0, 2):  # arrived during the year
                joined = datetime.date(year, 9, 1)
                row["date_entree"] = day(joined)
            elif (h, m) == (1, 2):  # left the year before
                left = datetime.date(year - 1, 6, 30)
                row["date_sortie"] = day(left)
            elif (h, m) == (2, 2):  # arrived the year after
                joined = datetime.date(year + 1, 3, 1)
                row["date_entree"] = day(joined)
            data.stays.append((person, h, joined if "date_entree" in row else None, left))
            household_rows.append(row)
            person += 1
    data.sheets["Foyers"] = household_rows
    members_in_households = person

    def fee(kind: str, quotient: int | None) -> int:
        low = quotient is not None and quotient <= 500
        return {"individuelle": (500, 1000), "familiale": (800, 1500)}[kind][0 if low else 1]

    membership_rows = []
    payments = ("espèces", "chèque", "carte", "virement")
    household_plan = [  # (from, until or None for the rules' end, period)
        *[(start, None, year)] * 7,
        (datetime.date(year, 6, 15), datetime.date(year + 1, 6, 14), year),  # 12 months
        (datetime.date(year - 1, 10, 1), datetime.date(year, 9, 30), year - 1),
        (last_year, None, year - 1),  # the year before only
    ]
    for h, (begins, until, period) in enumerate(household_plan):
        ends = until or datetime.date(period, 12, 31)  # calendar-year rules by default
        data.memberships.append(
            (None, h, begins, ends, fee("familiale", household_quotients[h]), period)
        )
        membership_rows.append(
            {
                "foyer": f"Foyer {h + 1:02d}",
                "maison": HOUSES[h % 3][0],
                "periode": str(period),
                "paiement": payments[h % 4],
                "debut": day(begins),
                "fin": day(until) if until else "",
            }
        )
    individual_plan = {  # person index: (from, until, period, euros)
        26: (datetime.date(year, 3, 10), None, year, 10),
        27: (datetime.date(year, 3, 10), None, year, 10),
        28: (datetime.date(year, 3, 10), None, year, 5),
        29: (datetime.date(year, 3, 10), None, year, 10),
        30: (datetime.date(year, 6, 15), datetime.date(year + 1, 6, 14), year, 10),  # 12 months
        31: (datetime.date(year, 3, 1), datetime.date(year, 8, 31), year, 5),  # six months
        32: (datetime.date(year, 3, 1), datetime.date(year, 8, 31), year, 5),
        33: (last_year, datetime.date(year - 1, 12, 31), year - 1, 10),  # the year before
        34: (datetime.date(year - 1, 9, 1), datetime.date(year, 8, 31), year - 1, 10),
        35: (start, None, year, 0),  # free
        **{p: (datetime.date(year, 5, 2), None, year, 10) for p in range(36, 46)},
    }
    assert min(individual_plan) == members_in_households - 10  # households 10-14 start at 26
    for p, (begins, until, period, euros) in individual_plan.items():
        first, last, born = data.people[p]
        ends = until or datetime.date(period, 12, 31)
        data.memberships.append((p, None, begins, ends, euros * 100, period))
        membership_rows.append(
            {
                "prenom": first,
                "nom": last,
                "date_naissance": day(born),
                "maison": HOUSES[p % 3][0],
                "periode": str(period),
                "paiement": "gratuit" if euros == 0 else payments[p % 4],
                "montant": str(euros),
                "debut": day(begins),
                "fin": day(until) if until else "",
            }
        )
    data.sheets["Adhésions"] = membership_rows

    sewing, villages = "Atelier couture", "Conserves dans les villages"
    data.sheets["Activités"] = [
        {"titre": sewing, "maison": "CO", "type": "atelier", "places": "12", "reguliere": "oui"},
        {"titre": villages, "type": "atelier", "theme": "Alimentation", "publique": "oui"},
    ]
    session_rows = []
    for week in range(6):  # weekly in a house, one of them kept out of the public agenda
        when = datetime.date(year, 3, 5) + datetime.timedelta(weeks=week)
        session = {"activite": sewing, "date": day(when), "heure": "14:00", "heure_fin": "16:00"}
        if week == 2:
            session["publique"] = "non"
        session_rows.append(session)
    for n, commune in enumerate(("Peyrins", "Triors", "Génissieux", "Peyrins")):
        when = datetime.date(year, 7, 3) + datetime.timedelta(weeks=n)
        session_rows.append(
            {
                "activite": villages,
                "date": day(when),
                "heure": "10:00",
                "heure_fin": "12:00",
                "commune": commune,
            }
        )
    session_rows.append(
        {
            "activite": villages,
            "maison": "PO",
            "date": day(datetime.date(year, 10, 8)),
            "heure": "10:00",
            "heure_fin": "12:00",
        }
    )
    data.sessions = session_rows
    data.sheets["Séances"] = session_rows

    attendance_rows = []
    for s, session in enumerate(session_rows):
        size = rng.randint(6, 9) if session["activite"] == sewing else rng.randint(3, 5)
        for p in sorted(rng.sample(range(PEOPLE), size)):
            first, last, born = data.people[p]
            data.attendance.add((s, p))
            attendance_rows.append(
                {
                    "date": session["date"],
                    "activite": session["activite"],
                    "heure": session["heure"],
                    "prenom": first,
                    "nom": last,
                    "date_naissance": day(born),
                }
            )
    data.sheets["Présences aux activités"] = attendance_rows
    first_village = session_rows[6]
    data.sheets["Comptages (personnes sans nom)"] = [
        {"activite": villages, "date": first_village["date"], "heure": "10:00", "nombre": "25"},
        {
            "activite": villages,
            "date": first_village["date"],
            "heure": "10:00",
            "tranche_age": "6-11",
            "nombre": "10",
        },
    ]
    data.headcount = 35

    hour_rows = []
    durations = (("2", 120), ("1h30", 90), ("90 min", 90), ("2,5", 150), ("3", 180))
    for n, p in enumerate(rng.sample(range(PEOPLE), 10)):
        first, last, born = data.people[p]
        text, minutes = durations[n % len(durations)]
        row = {"prenom": first, "nom": last, "date_naissance": day(born), "heures": text}
        if n < 6:  # helping at a sewing session
            session = session_rows[n]
            row |= {"type": "activité", "activite": sewing, "heure": "14:00"}
            when = datetime.datetime.strptime(session["date"], "%d/%m/%Y").date()  # noqa: DTZ007
        else:  # the board, one of its meetings the year before
            row |= {"type": "gouvernance", "precision": "conseil d'administration"}
            when = datetime.date(year - 1 if n == 9 else year, 11, 20)
        row["date"] = day(when)
        data.hours.append((p, when, minutes, row["type"]))
        hour_rows.append(row)
    data.sheets["Heures de bénévolat"] = hour_rows
    return data


def expected_figures(data: Generated) -> dict[str, str]:
    """The key figures of the year, counted from the generated rows, as the page shows them."""
    start, end = datetime.date(data.year, 1, 1), datetime.date(data.year, 12, 31)
    members: set[int] = set()
    households: set[int] = set()
    fees = 0
    for person, household, begins, ends, cents, _period in data.memberships:
        if not overlaps(begins, ends, start, end):
            continue
        if start <= begins <= end:
            fees += cents
        if person is not None:
            members.add(person)
            continue
        households.add(household)
        for p, h, joined, left in data.stays:
            # In the household during the year, and while the membership held.
            if h == household and overlaps(joined or datetime.date.min, left, start, end):
                if overlaps(joined or datetime.date.min, left, begins, ends):
                    members.add(p)
    attended = {p for _s, p in data.attendance}
    hours = [(p, kind, minutes) for p, when, minutes, kind in data.hours if start <= when <= end]
    communes = {s["commune"] for s in data.sessions if s.get("commune")}
    return {
        "membership.members": Unit.PERSONS.show(len(members)),
        "membership.households": Unit.HOUSEHOLDS.show(len(households)),
        "membership.fees_cents": Unit.CENTS.show(fees),
        "activities.sessions": Unit.SESSIONS.show(len(data.sessions)),
        "activities.events_published": Unit.EVENTS.show(
            sum(1 for s in data.sessions if s.get("publique") != "non")
        ),
        "activities.communes": Unit.COMMUNES.show(len(communes)),
        "activities.attendances": Unit.ATTENDANCES.show(len(data.attendance)),
        "activities.named_participants": Unit.PERSONS.show(len(attended)),
        "activities.headcount_participants": Unit.PERSONS.show(data.headcount),
        "people.users": Unit.PERSONS.show(len(attended | members)),
        "volunteering.hours": Unit.MINUTES.show(sum(m for _p, _k, m in hours)),
        "volunteering.activity_volunteers": Unit.PERSONS.show(
            len({p for p, kind, _m in hours if kind == "activité"})
        ),
        "volunteering.governance_volunteers": Unit.PERSONS.show(
            len({p for p, kind, _m in hours if kind == "gouvernance"})
        ),
    }


def fill(template: bytes, sheets: dict[str, list[dict]]) -> bytes:
    """The downloaded template, each sheet filled under its titles as a person would."""
    workbook = load_workbook(io.BytesIO(template))
    for title, rows in sheets.items():
        sheet = workbook[title]
        headers = [cell.value for cell in sheet[1]]
        unknown = {key for row in rows for key in row} - set(headers)
        assert not unknown, f"{title}: no such column in the template {unknown}"
        for row in rows:
            sheet.append([row.get(header, "") for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def upload(page, base_url: str, content: bytes) -> None:
    page.goto(f"{base_url}/donnees/")
    page.get_by_role("link", name="Importer un fichier").click()
    page.get_by_label("Un classeur entier").check()
    page.get_by_label("Fichier", exact=True).set_input_files(
        {
            "name": "collines.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": content,
        }
    )
    page.get_by_role("button", name="Voir l'aperçu").click()
    page.get_by_role("heading", name="Aperçu de l'import du classeur").wait_for()


def shown_figures(page, keys) -> dict[str, str]:
    return {
        key: page.locator(f"[data-key='{key}'] strong.value").inner_text().replace("\u00a0", " ")
        for key in keys
    }


def test_a_cooperation_starts_from_its_spreadsheets_and_reads_its_figures(live_server, browser):
    year = timezone.localdate().year - 2  # a whole past year, and the one after it past too
    data = generate(year)
    expected = {key: value.replace("\u00a0", " ") for key, value in expected_figures(data).items()}
    User.objects.create_superuser("plateforme", "ops@example.org", PLATFORM_PASSWORD)
    base = live_server.url

    # The platform administrator creates the cooperation and its director.
    platform = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = platform.new_page()
    page.set_default_timeout(15000)
    sign_in(page, base, "plateforme", PLATFORM_PASSWORD)
    page.get_by_role("link", name="Nouvelle coopération").click()
    page.get_by_label("Nom de la coopération").fill("Coopération des Collines")
    page.get_by_label("Identifiant :", exact=True).fill("collines")
    page.get_by_label("Préfixe des cartes d'adhésion").fill("COL")
    page.get_by_label("Première association").fill(ASSOCIATION)
    page.get_by_label("Prénom").fill("Nadia")
    page.get_by_label("Nom :", exact=True).fill("Berger")
    page.get_by_label("Identifiant de connexion").fill(DIRECTOR)
    page.get_by_label("Courriel").fill("nadia@example.org")
    page.get_by_role("button", name="Créer la coopération").click()
    page.get_by_text("Coopération « Coopération des Collines » créée.").wait_for()
    password = page.locator("code[data-password]").inner_text()
    platform.close()

    # The director signs in with that password and finds the checklist.
    director = browser.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = director.new_page()
    page.set_default_timeout(20000)
    sign_in(page, base, DIRECTOR, password)
    # Coopé chose that password: the director chooses her own first.
    page.get_by_role("heading", name="Changer mon mot de passe").wait_for()
    page.get_by_label("Ancien mot de passe").fill(password)
    page.locator("#id_new_password1").fill("les collines au printemps")
    page.get_by_label("Confirmation du nouveau mot de passe").fill("les collines au printemps")
    page.get_by_role("button", name="Changer le mot de passe").click()
    page.get_by_role("heading", name="Mot de passe changé").wait_for()
    page.get_by_role("link", name="Configuration").click()
    page.get_by_role("heading", name="Configuration de la coopération").wait_for()
    assert page.get_by_text("à faire").count() >= 1  # no house yet

    # The template, downloaded through the page, filled, imported as a whole.
    page.get_by_role("link", name="Données").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le modèle (XLSX, Excel)").click()
    assert download.value.suggested_filename == "modele-coope-collines.xlsx"
    with open(download.value.path(), "rb") as downloaded:
        workbook = fill(downloaded.read(), data.sheets)

    upload(page, base, workbook)
    summary = page.get_by_role("status").first
    assert summary.inner_text() == new_and_present(data.rows() - 1, 1), page.content()
    assert page.get_by_role("heading", name="Lignes à corriger").count() == 0
    page.get_by_role("button", name="Importer", exact=True).click()
    page.get_by_role("heading", name="Import terminé : le classeur").wait_for()

    # The figures of that year, as counted here from the rows.
    page.get_by_role("link", name="Chiffres clés").click()
    page.get_by_label("Du").fill(f"{year}-01-01")
    page.get_by_label("Au").fill(f"{year}-12-31")
    page.get_by_role("button", name="Calculer").click()
    page.get_by_role("heading", name=f"Chiffres clés · {year}").wait_for()
    assert shown_figures(page, expected) == expected

    # The same workbook again: nothing new, nothing doubled.
    upload(page, base, workbook)
    assert page.get_by_role("status").first.inner_text() == new_and_present(0, data.rows())
    page.get_by_role("button", name="Importer", exact=True).click()
    page.get_by_role("heading", name="Import terminé : le classeur").wait_for()
    page.goto(f"{base}/chiffres/?du={year}-01-01&au={year}-12-31")
    assert shown_figures(page, expected) == expected
    director.close()
