"""The membership's setup screens, for directors: the rules, the periods (list, the next one
created, name and dates changed while no membership uses them) and each period's fee grid."""

import datetime

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from coope.core.models import AuditEntry
from coope.core.plugins import setup_entries
from coope.membership.models import FeeRule, MembershipPeriod, MembershipRules
from coope.membership.services import take_membership
from coope.people.services import create_person

pytestmark = pytest.mark.django_db
D = datetime.date


def grid_post(rows, initial=0):
    data = {
        "tarifs-TOTAL_FORMS": str(len(rows)),
        "tarifs-INITIAL_FORMS": str(initial),
        "tarifs-MIN_NUM_FORMS": "0",
        "tarifs-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"tarifs-{index}-{name}"] = value
    return data


def fees_of(period):
    with scopes_disabled():
        return sorted(
            FeeRule.objects.filter(period=period).values_list(
                "kind", "quotient_min", "quotient_max", "amount_cents"
            ),
            key=str,
        )


def test_the_screens_are_declared_for_the_setup_page():
    mine = [entry for entry in setup_entries() if entry.url_name.startswith("membership:")]
    assert [entry.url_name for entry in mine] == [
        "membership:setup_rules",
        "membership:setup_periods",
    ]
    assert all(entry.permission == "membership.configure" and entry.help for entry in mine)
    for entry in mine:
        reverse(entry.url_name)


def test_only_directors_configure_the_membership(world, client_as):
    urls = [
        reverse("membership:setup_rules"),
        reverse("membership:setup_periods"),
        reverse("membership:setup_period", args=[world.period.pk]),
        reverse("membership:setup_fees", args=[world.period.pk]),
    ]
    for user in (world.alice, world.coordinator, world.volunteer, world.evaluator):
        client = client_as(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
        assert client.post(reverse("membership:setup_open_next")).status_code == 403
    director = client_as(world.director)
    for url in urls:
        assert director.get(url).status_code == 200
    # Another cooperation's period is not found.
    other = reverse("membership:setup_fees", args=[world.other_period.pk])
    assert director.get(other).status_code == 404
    assert director.post(other, grid_post([])).status_code == 404
    assert fees_of(world.other_period) != []


def test_a_director_sets_the_rules_in_french_and_it_is_audited(world, client_as):
    client = client_as(world.director)
    page = client.get(reverse("membership:setup_rules"))
    assert "Année scolaire" in page.text and "De date à date" in page.text
    bad = client.post(
        reverse("membership:setup_rules"),
        {"scheme": "school_year", "start_month": "13", "length_months": "12", "offer_weeks": "6"},
    )
    assert bad.status_code == 200
    assert "Un mois va de 1 (janvier) à 12 (décembre)." in bad.text
    response = client.post(
        reverse("membership:setup_rules"),
        {"scheme": "rolling", "start_month": "9", "length_months": "12", "offer_weeks": "4"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        rules = MembershipRules.objects.get(cooperation=world.coop)
        assert (rules.scheme, rules.offer_weeks) == ("rolling", 4)
        entry = AuditEntry.objects.get(model="membership.membershiprules", action="update")
        assert entry.actor == world.director
        # The other cooperation keeps its own rules.
        assert not MembershipRules.objects.filter(cooperation=world.other_coop, scheme="rolling")
    assert "valable du" in client.get(reverse("membership:setup_rules")).text


def test_the_periods_list_and_the_next_period_created_with_its_grid(world, client_as):
    client = client_as(world.director)
    listing = client.get(reverse("membership:setup_periods"))
    assert "2018" in listing.text and "6 tarifs" in listing.text
    assert "Période suivante : 2019, du 01/01/2019 au 31/12/2019" in listing.text
    assert "tarifs copiés de 2018" in listing.text
    assert all(p.cooperation_id == world.coop.pk for p in listing.context["periods"])
    assert client.get(reverse("membership:setup_open_next")).status_code == 405
    response = client.post(reverse("membership:setup_open_next"))
    with scopes_disabled():
        p2019 = MembershipPeriod.objects.get(cooperation=world.coop, name="2019")
        assert AuditEntry.objects.filter(
            model="membership.membershipperiod", object_id=str(p2019.pk), actor=world.director
        ).exists()
    assert response["Location"] == reverse("membership:setup_fees", args=[p2019.pk])
    assert fees_of(p2019) == fees_of(world.period)


def test_a_period_changes_name_and_dates_while_no_membership_uses_it(world, client_as):
    client = client_as(world.director)
    with scope(cooperation=world.coop.pk):
        p2019 = MembershipPeriod.objects.create(
            cooperation=world.coop, name="2019", start=D(2019, 1, 1), end=D(2019, 12, 31)
        )
    url = reverse("membership:setup_period", args=[p2019.pk])
    overlapping = client.post(url, {"name": "2019", "start": "2018-09-01", "end": "2019-08-31"})
    assert "chevauchent la période 2018" in overlapping.text
    backwards = client.post(url, {"name": "2019", "start": "2019-09-01", "end": "2019-08-31"})
    assert "La fin (31/08/2019) est avant le début (01/09/2019)." in backwards.text
    taken_name = client.post(url, {"name": "2018", "start": "2019-01-01", "end": "2019-12-31"})
    assert "Une période s&#x27;appelle déjà « 2018 »." in taken_name.text
    done = client.post(url, {"name": "2019-2020", "start": "2019-09-01", "end": "2020-08-31"})
    assert done.status_code == 302
    with scopes_disabled():
        p2019.refresh_from_db()
        assert (p2019.name, p2019.start, p2019.end) == ("2019-2020", D(2019, 9, 1), D(2020, 8, 31))
        assert AuditEntry.objects.get(
            model="membership.membershipperiod", action="update"
        ).changes == {
            "name": ["2019", "2019-2020"],
            "start": ["2019-01-01", "2019-09-01"],
            "end": ["2019-12-31", "2020-08-31"],
        }
    # 2018 has a membership: its name and dates stay.
    with scope(cooperation=world.coop.pk):
        person = create_person(
            actor=world.alice, cooperation=world.coop, first_name="Ana", last_name="Costa"
        )
        take_membership(
            actor=world.alice,
            house=world.house_a,
            period=world.period,
            person=person,
            payment_method="cash",
            valid_from=D(2018, 3, 1),
        )
    used = reverse("membership:setup_period", args=[world.period.pk])
    page = client.get(used)
    assert "son nom et ses dates ne changent plus" in page.text
    client.post(used, {"name": "Année 2018", "start": "2018-01-01", "end": "2018-06-30"})
    with scopes_disabled():
        world.period.refresh_from_db()
        assert (world.period.name, world.period.end) == ("2018", D(2018, 12, 31))


def test_the_fee_grid_of_a_period_is_edited_and_checked(world, client_as):
    client = client_as(world.director)
    url = reverse("membership:setup_fees", args=[world.period.pk])
    page = client.get(url)
    assert page.context["formset"].initial_form_count() == 6
    assert 'value="12,00"' in page.text
    before = fees_of(world.period)

    def post(rows):
        return client.post(url, grid_post(rows, initial=0))

    overlap = post(
        [
            {"kind": "individual", "quotient_min": "", "quotient_max": "500", "amount": "5"},
            {"kind": "individual", "quotient_min": "500", "quotient_max": "", "amount": "10"},
        ]
    )
    assert "Deux tarifs « Individuelle » se chevauchent" in overlap.text
    too_much = post([{"kind": "individual", "amount": "10000"}])
    assert "Le montant va de 0 € (gratuit) à 9 999,99 €" in too_much.text
    negative = post([{"kind": "individual", "amount": "-5"}])
    assert "n&#x27;est pas un montant en euros" in negative.text
    no_kind = post([{"kind": "", "amount": "5"}])
    assert "Choisissez individuelle ou familiale." in no_kind.text
    band = post(
        [{"kind": "household", "quotient_min": "800", "quotient_max": "300", "amount": "5"}]
    )
    assert "Le QF maximum (300 €) est plus petit que le minimum (800 €)." in band.text
    assert fees_of(world.period) == before  # nothing written by any of them

    saved = post(
        [
            {"kind": "individual", "quotient_min": "", "quotient_max": "500", "amount": "5"},
            {"kind": "individual", "quotient_min": "501", "quotient_max": "", "amount": "12,50"},
            {"kind": "household", "quotient_min": "", "quotient_max": "", "amount": "20"},
            {"kind": "", "amount": ""},  # an empty row is skipped
        ]
    )
    assert saved.status_code == 302
    assert fees_of(world.period) == [
        ("household", None, None, 2000),
        ("individual", 501, None, 1250),
        ("individual", None, 500, 500),
    ]
    with scopes_disabled():
        assert (
            AuditEntry.objects.filter(model="membership.feerule", action="fee_grid_delete").count()
            == 6
        )
        assert AuditEntry.objects.filter(model="membership.feerule", action="create").count() == 3
