"""The annual brochure: the year's regular public activities grouped by house, in house colours."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django_scopes import scope
from pypdf import PdfReader

from coope.activities import brochure, services
from coope.activities.models import Activity, PriceKind

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
TWO_HOURS = datetime.timedelta(hours=2)


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=PARIS)


def make(
    cooperation, title, *, starts=(), weeks=1, house=None, duration=TWO_HOURS, commune="", **fields
):
    activity = Activity.objects.create(cooperation=cooperation, house=house, title=title, **fields)
    for start in starts:
        services.schedule_sessions(
            actor=None,
            activity=activity,
            first_start=start,
            duration=duration,
            weeks=weeks,
            commune=commune,
        )
    return activity


@pytest.fixture
def programme(world):
    """Romans' 2018 programme, with what must stay out of the brochure."""
    w = world
    with scope(cooperation=w.coop.pk):
        make(
            w.coop,
            "Atelier couture",
            house=w.house_a,
            regular=True,
            theme="Couture",
            audience="Adultes",
            price_kind=PriceKind.EUROS,
            price_cents=250,
            description="Apportez votre tissu.",
            starts=[at(2018, 1, 9, 14)],
            weeks=20,
        )  # Tuesdays
        make(
            w.coop,
            "Cuisine partagée",
            house=w.house_a,
            regular=True,
            theme="Alimentation",
            starts=[at(2018, 3, 5, 18), at(2018, 6, 4, 18, 30)],
        )
        make(
            w.coop,
            "Vélo-école",
            house=w.house_b,
            regular=True,
            theme="Mobilité",
            audience="Tous publics",
            price_kind=PriceKind.TIME,
            price_minutes=90,
            starts=[at(2018, 4, 4, 9, 30), at(2018, 4, 7, 10)],
            weeks=10,
        )  # Wednesdays and Saturdays
        make(
            w.coop,
            "Sortie au Vercors",
            regular=True,
            theme="Culture",
            commune="Villard-de-Lans",
            starts=[at(2018, 7, 14, 8)],
            weeks=3,
            duration=datetime.timedelta(hours=10),
        )
        make(
            w.coop,
            "Conseil d'administration",
            house=w.house_a,
            regular=True,
            public=False,
            starts=[at(2018, 2, 20, 18)],
            weeks=4,
        )
        make(
            w.coop,
            "Stage d'été",
            house=w.house_b,
            regular=False,
            starts=[at(2018, 7, 2, 9)],
            weeks=4,
        )
        make(
            w.coop,
            "Atelier d'antan",
            house=w.house_a,
            regular=True,
            starts=[at(2017, 3, 7, 14)],
            weeks=4,
        )
        cancelled = make(
            w.coop, "Yoga annulé", house=w.house_b, regular=True, starts=[at(2018, 5, 2, 10)]
        )
        cancelled.sessions.update(cancelled=True)
    with scope(cooperation=w.other_coop.pk):
        make(
            w.other_coop,
            "Atelier valentinois",
            house=w.other_house,
            regular=True,
            starts=[at(2018, 2, 1, 14)],
            weeks=5,
        )
    return w


def pdf_text(content: bytes) -> tuple[str, str]:
    """(cover, the rest) as text."""
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
    return pages[0], "\n".join(pages[1:])


def in_order(text: str, *parts: str) -> bool:
    positions = [text.find(part) for part in parts]
    return -1 not in positions and positions == sorted(positions)


def test_the_pdf_groups_the_regular_public_activities_by_house_in_order(programme, client_as):
    w = programme
    response = client_as(w.coordinator).get(reverse("activities:brochure", args=[2018]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="plaquette-romans-2018.pdf"' in response["Content-Disposition"]
    cover, body = pdf_text(response.content)
    assert "Coopération romans" in cover and "2018" in cover
    assert "Maison A romans" in cover and "2 rue B" in cover
    assert in_order(
        body,
        "Maison A romans",
        "Cuisine partagée",
        "Atelier couture",
        "Maison B romans",
        "Vélo-école",
        "Dans toute la Coopération",
        "Sortie au Vercors",
    )
    assert "le mardi 14 h – 16 h" in body and "du 9 janvier au 22 mai" in body
    assert in_order(body, "le mercredi 9 h 30 – 11 h 30", "le samedi 10 h – 12 h")
    assert "le lundi 5 mars, 18 h – 20 h" in body and "le lundi 4 juin, 18 h 30 – 20 h 30" in body
    assert "2,50 €" in body and "1 h 30 de TIC-TAC" in body and "Gratuit" in body
    assert "Villard-de-Lans" in body and "Apportez votre tissu." in body
    for absent in (
        "Conseil d'administration",
        "Stage d'été",
        "Atelier d'antan",
        "Yoga annulé",
        "Atelier valentinois",
    ):
        assert absent not in cover + body, absent


def test_each_house_is_headed_in_its_colour(programme):
    w = programme
    with scope(cooperation=w.coop.pk), translation.override("fr"):
        html = render_to_string(brochure.TEMPLATE, {"brochure": brochure.gather(w.coop, 2018)})
    assert '<h2 style="background: #E4572E">Maison A romans</h2>' in html
    assert '<h2 style="background: #17BEBB">Maison B romans</h2>' in html
    assert (
        f'<h2 style="background: {brochure.COOPERATION_COLOUR}">Dans toute la Coopération</h2>'
        in html
    )


def test_another_cooperation_gets_its_own_brochure_only(programme, client_as):
    w = programme
    response = client_as(w.charlie).get(reverse("activities:brochure", args=[2018]))
    assert response.status_code == 200
    cover, body = pdf_text(response.content)
    assert "Coopération valence" in cover and "Atelier valentinois" in body
    assert "Maison A romans" not in cover + body and "Atelier couture" not in body


def test_who_may_print_the_brochure(programme, client_as, client):
    w = programme
    url = reverse("activities:brochure", args=[2018])
    assert client.get(url).status_code == 302  # to the login page
    assert client_as(w.evaluator).get(url).status_code == 403
    for user in (w.alice, w.volunteer, w.director):
        assert client_as(user).get(url).status_code == 200
    assert client_as(w.alice).get(reverse("activities:brochure", args=[1999])).status_code == 404


def test_the_queries_do_not_grow_with_the_number_of_activities(programme, client_as):
    w = programme
    url = reverse("activities:brochure", args=[2018])
    client = client_as(w.coordinator)
    client.get(url)

    def count() -> tuple[int, int]:
        with scope(cooperation=w.coop.pk), CaptureQueriesContext(connection) as gathered:
            brochure.gather(w.coop, 2018)
        with CaptureQueriesContext(connection) as viewed:
            assert client.get(url).status_code == 200
        return len(gathered), len(viewed)

    small = count()
    with scope(cooperation=w.coop.pk):
        for index in range(12):
            house = (w.house_a, w.house_b, None)[index % 3]
            make(
                w.coop,
                f"Atelier {index}",
                house=house,
                regular=True,
                theme=f"Thème {index % 4}",
                starts=[at(2018, 9, 3 + index, 10)],
                weeks=3,
            )
    assert small[0] == 3 and count() == small


def test_an_empty_year_still_has_its_cover(programme):
    w = programme
    with scope(cooperation=w.coop.pk), translation.override("fr"):
        document = brochure.gather(w.coop, 2030)
        cover, body = pdf_text(brochure.brochure_pdf(document))
    assert document.sections == [] and "2030" in cover and "Aucune activité régulière" in body


def test_the_command_writes_the_pdf(programme, tmp_path, capsys):
    path = tmp_path / "plaquette.pdf"
    call_command("brochure", "--cooperation", "romans", "--year", "2018", "--pdf", str(path))
    out = capsys.readouterr().out
    assert "4 activités" in out and "Maison A romans (2)" in out
    _cover, body = pdf_text(path.read_bytes())
    assert in_order(body, "Atelier couture", "Vélo-école", "Sortie au Vercors")
    with pytest.raises(CommandError, match="inconnue"):
        call_command(
            "brochure", "--cooperation", "nulle-part", "--year", "2018", "--pdf", str(path)
        )


@pytest.mark.parametrize(
    ("starts", "slots", "span"),
    [
        (
            [at(2018, 1, 9, 14), at(2018, 1, 16, 14)],
            ["le mardi 14 h – 16 h"],
            "du 9 janvier au 16 janvier",
        ),
        ([at(2018, 5, 12, 9, 30)], ["le samedi 12 mai, 9 h 30 – 11 h 30"], ""),
        (
            [at(2018, 1, day, 14) for day in (2, 3, 4, 5, 6)],
            ["5 dates"],
            "du 2 janvier au 6 janvier",
        ),
        # The first of the month is « 1er ».
        (
            [at(2018, 11, 24, 14), at(2018, 12, 1, 14)],
            ["le samedi 14 h – 16 h"],
            "du 24 novembre au 1er décembre",
        ),
        ([at(2018, 12, 1, 9, 30)], ["le samedi 1er décembre, 9 h 30 – 11 h 30"], ""),
        # Sessions that moved on the same weekday: each time says when it held.
        (
            [at(2018, 3, day, 16) for day in (1, 8, 15)]
            + [at(2018, 9, day, 17) for day in (6, 13)],
            [
                "le jeudi 16 h – 18 h (du 1er mars au 15 mars)",
                "le jeudi 17 h – 19 h (du 6 septembre au 13 septembre)",
            ],
            "du 1er mars au 13 septembre",
        ),
        # Two groups side by side on the same day: no dates needed.
        (
            sorted(at(2018, 3, day, hour) for day in (1, 8) for hour in (16, 14)),
            ["le jeudi 14 h – 16 h", "le jeudi 16 h – 18 h"],
            "du 1er mars au 8 mars",
        ),
    ],
)
def test_days_and_times_from_the_sessions(starts, slots, span):
    with translation.override("fr"):
        assert brochure.schedule([(start, start + TWO_HOURS) for start in starts]) == (slots, span)
