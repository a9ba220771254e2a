"""The TIC-TAC rules screen of « Configuration »: the rules and each category's limits in hours,
the model's checks said on the form, nothing written when one is refused, every change audited."""

import html

import pytest
from django_scopes import scope, scopes_disabled

from coope.core.models import AuditEntry
from coope.timebank import services
from coope.timebank.models import CategoryLimit, TimebankRules, account_kind_choices

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def as_shown(client) -> dict:
    """What the page's form posts as it is shown."""
    response = client.get("/tic-tac/regles/")
    assert response.status_code == 200
    data = {
        name: field.prepare_value(response.context["rules_form"].initial.get(name))
        for name, field in response.context["rules_form"].fields.items()
    }
    for form, _low, _high in response.context["limit_forms"]:
        for name, field in form.fields.items():
            value = form.initial.get(name)
            data[form.add_prefix(name)] = "" if value is None else field.prepare_value(value)
    data["reason"] = ""
    return data


def audit_count() -> int:
    with scopes_disabled():
        return AuditEntry.objects.count()


def test_the_page_as_shown_changes_nothing(tb, client_as):
    client = client_as(tb.world.director)
    before = audit_count()
    response = client.post("/tic-tac/regles/", as_shown(client))
    assert response.status_code == 302
    assert audit_count() == before
    assert not CategoryLimit.objects.exists()


def test_rules_and_limits_in_hours(tb, client_as):
    client = client_as(tb.world.director)
    data = as_shown(client)
    assert data["start_credit_minutes"] == "15 h" and data["member-min_balance_minutes"] == "-20 h"
    data.update(
        {
            "start_credit_minutes": "10",
            "warning_margin_minutes": "1,5",
            "confirmation_delay_days": "10",
            "member-min_balance_minutes": "-10 h",
            "member-max_balance_minutes": "",
            "chest-max_balance_minutes": "500 h 30",
            "reason": "Vote du CA du 12 mars",
        }
    )
    response = client.post("/tic-tac/regles/", data)
    assert response.status_code == 302
    rules = TimebankRules.objects.get()
    assert (rules.start_credit_minutes, rules.warning_margin_minutes) == (600, 90)
    assert rules.confirmation_delay_days == 10
    limits = {
        c.kind: (c.min_balance_minutes, c.max_balance_minutes) for c in CategoryLimit.objects.all()
    }
    assert limits == {"member": (-600, None), "chest": (0, 30030)}
    assert services.limits_of(tb.ana) == (-600, None)
    entries = AuditEntry.objects.filter(
        model__in=["timebank.timebankrules", "timebank.categorylimit"]
    )
    assert entries.count() == 3
    assert all(e.changes["reason"] == "Vote du CA du 12 mars" for e in entries)
    assert all(e.actor == tb.world.director for e in entries)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "member-max_balance_minutes",
            "-30",
            "Le minimum (-10 h) doit être sous le maximum (-30 h).",
        ),
        ("member-min_balance_minutes", "quinze", "« quinze » n'est pas une durée"),
        ("member-min_balance_minutes", "NaN", "« NaN » n'est pas une durée"),
        ("member-min_balance_minutes", "-1e9", "n'est pas une durée"),
        ("member-min_balance_minutes", "-20000", "Choisissez une durée entre -10000 h et 10000 h."),
        ("start_credit_minutes", "-5", "Choisissez une durée entre 0 h et 1000 h."),
        ("start_credit_minutes", "", "Ce champ est obligatoire."),
        ("reversal_delay_days", "99999", "Le nombre doit être entre 0 et 3\u202f650."),
        ("confirmation_delay_days", "1.5", "Saisissez un nombre entier."),
    ],
)
def test_bad_values_are_said_on_the_form_and_nothing_is_written(
    tb, client_as, field, value, message
):
    client = client_as(tb.world.director)
    data = as_shown(client)
    data.update({"member-min_balance_minutes": "-10", "start_credit_minutes": "12", field: value})
    before = audit_count()
    response = client.post("/tic-tac/regles/", data)
    assert response.status_code == 200
    assert message in text(response)
    assert audit_count() == before
    assert not CategoryLimit.objects.exists()
    assert services.rules_of(tb.world.coop).start_credit_minutes == 900


def test_limits_that_accounts_already_pass_are_refused(tb, client_as):
    """Ana has 15 h: a member maximum of 10 h is refused by the model's check, and the rest of
    the page (a new start credit) is not kept either."""
    client = client_as(tb.world.director)
    data = as_shown(client)
    data.update({"member-max_balance_minutes": "10", "start_credit_minutes": "12"})
    response = client.post("/tic-tac/regles/", data)
    assert response.status_code == 200
    assert "compte(s) de cette catégorie sont déjà au-delà de ces limites" in text(response)
    assert not CategoryLimit.objects.exists()
    assert services.rules_of(tb.world.coop).start_credit_minutes == 900


def test_the_rules_of_another_cooperation_are_not_touched(tb, client_as):
    with scope(cooperation=tb.world.other_coop.pk):
        other = services.rules_of(tb.world.other_coop)
    client = client_as(tb.world.director)
    data = as_shown(client)
    data.update({"start_credit_minutes": "5", "member-min_balance_minutes": "-5"})
    assert client.post("/tic-tac/regles/", data).status_code == 302
    with scopes_disabled():
        other.refresh_from_db()
        assert other.start_credit_minutes == 900
        assert not CategoryLimit.objects.filter(cooperation=tb.world.other_coop).exists()
    # and its director's page shows its own rules, not these
    page = client_as(tb.world.charlie).get("/tic-tac/regles/")
    assert page.status_code == 403


def test_only_directors_set_the_rules(tb, client_as):
    for who in (tb.world.coordinator, tb.world.alice):
        assert client_as(who).post("/tic-tac/regles/", {}).status_code == 403


def test_every_category_of_account_is_offered(tb, client_as):
    page = text(client_as(tb.world.director).get("/tic-tac/regles/"))
    for _kind, label in account_kind_choices():
        assert str(label) in page
