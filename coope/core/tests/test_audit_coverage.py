"""Every write of a row that a key figure counts leaves an audit entry.

The test watches the counted models (`coope.core.audit.figure_models()`: each app declares its
own in its apps.py, the test-only app too) while it runs each write path: the services, the staff pages that write (roll call, headcount, volunteer hours, front-desk
visit) and the admin's add, change and delete of every counted model it offers. A row is
written when a `post_save` or `post_delete` signal says so, or when its table differs before and
after (bulk writes and `update()` send no signal). Each written row needs an audit entry written
by the same path, for the same model and object, whose action is of the same kind (a deletion
for a deletion). A ledger's rows are the one rule apart, written in coope.core.audit: an Entry
is covered by its Transfer's entry, a cached balance moved alone by the entry of a Transfer that
has, in the same step, an entry on that account. A new write path is one line of
`SERVICE_PATHS`, `PAGE_PATHS` or `ADMIN_CASES`.
"""

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_delete, post_save
from django.forms import MultiWidget
from django_scopes import scopes_disabled

from coope.activities import services as activities
from coope.activities.models import Activity, Attendance, Headcount, Registration, Session
from coope.cannery import services as cannery
from coope.cannery.tests.conftest import GOOD_STERILISATION, Kit
from coope.core import audit, plugins
from coope.core import services as core
from coope.core.models import AuditEntry, House, ProjectGroup
from coope.lib.indicators import Scope, registry
from coope.lib.periods import Period
from coope.membership import services as membership
from coope.people import services as people
from coope.people.models import Household, Person
from coope.tests_plugin import services as tests_plugin
from coope.timebank import services as timebank
from coope.timebank.models import Account, Category, Entry, Transfer
from coope.volunteering import services as volunteering

DAY = datetime.date(2018, 7, 12)
START = datetime.datetime(2018, 7, 12, 14, tzinfo=datetime.UTC)


# -- the counted models -------------------------------------------------------------------------


def indicator_models(cooperation) -> dict[str, set[str]]:
    """model label -> the keys of the registered figures whose records are rows of it."""
    scope = Scope(cooperation, Period(datetime.date(2018, 1, 1), datetime.date(2018, 12, 31)))
    found: dict[str, set[str]] = {}
    for key, indicator in registry().items():
        if indicator.records is None:  # made of other figures, which are checked themselves
            continue
        model = indicator.records_for(scope).model._meta.label_lower
        found.setdefault(model, set()).add(key)
    return found


def test_every_model_a_figure_counts_is_a_figure_model(in_scope):
    missing = {
        model: keys
        for model, keys in indicator_models(in_scope.coop).items()
        if model not in audit.figure_models()
    }
    assert not missing, (
        f"Declare these models in their app's CoopeApp(figure_models=...): {missing}"
    )


def test_figure_models_are_models_declared_by_their_app():
    declared = audit.figure_models()
    for label in declared:
        assert apps.get_model(label)._meta.label_lower == label
    # The test-only app is counted like any programme: declared once, in its apps.py.
    assert "tests_plugin.trialvisit" in declared
    assert {"people.householdmember", "people.homehousespell", "timebank.entry"} <= set(declared)


def test_an_app_declares_only_its_own_figure_models(monkeypatch):
    def declaring(*models):
        return lambda: iter([("cannery", plugins.CoopeApp(figure_models=models))])

    monkeypatch.setattr(plugins, "declarations", declaring("cannery.lot", "people.person"))
    with pytest.raises(ImproperlyConfigured, match="people.person"):
        plugins.figure_models()
    monkeypatch.setattr(plugins, "declarations", declaring("cannery.lot", "cannery.lot"))
    with pytest.raises(ImproperlyConfigured, match="deux fois"):
        plugins.figure_models()


def counted_models(cooperation) -> list:
    labels = set(audit.figure_models()) | set(indicator_models(cooperation))
    return [apps.get_model(label) for label in sorted(labels)]


# -- watching the writes ------------------------------------------------------------------------


class Watch:
    """The rows of the counted models written while it is open, and the audit entries."""

    def __init__(self, models):
        self.models = models
        self.signalled: set[tuple[str, str, str]] = set()

    def _rows(self) -> dict[str, dict[Any, dict]]:
        with scopes_disabled():
            return {
                m._meta.label_lower: {
                    row["pk"]: row
                    for row in m._base_manager.values(
                        "pk", *[f.attname for f in m._meta.concrete_fields]
                    )
                }
                for m in self.models
            }

    def _saved(self, sender, instance, created, **kwargs):
        operation = audit.CREATE if created else audit.UPDATE
        self.signalled.add((sender._meta.label_lower, str(instance.pk), operation))

    def _deleted(self, sender, instance, **kwargs):
        self.signalled.add((sender._meta.label_lower, str(instance.pk), audit.DELETE))

    def __enter__(self):
        for model in self.models:
            post_save.connect(self._saved, sender=model, weak=False)
            post_delete.connect(self._deleted, sender=model, weak=False)
        self.before = self._rows()
        with scopes_disabled():
            self.last_entry = (
                AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
            )
        return self

    def __exit__(self, *exc):
        for model in self.models:
            post_save.disconnect(self._saved, sender=model)
            post_delete.disconnect(self._deleted, sender=model)
        self.after = self._rows()

    def writes(self) -> set[tuple[str, str, str]]:
        found = set(self.signalled)
        for label, before in self.before.items():
            after = self.after[label]
            found |= {(label, str(pk), audit.CREATE) for pk in after.keys() - before.keys()}
            found |= {(label, str(pk), audit.DELETE) for pk in before.keys() - after.keys()}
            found |= {
                (label, str(pk), audit.UPDATE)
                for pk in before.keys() & after.keys()
                if before[pk] != after[pk]
            }
        return found

    def entries(self) -> list[AuditEntry]:
        with scopes_disabled():
            return list(AuditEntry.objects.filter(pk__gt=self.last_entry or 0))

    def _row(self, label: str, pk: str) -> dict | None:
        return next((row for key, row in self.after[label].items() if str(key) == pk), None)

    def _changed(self, label: str, pk: str) -> set[str]:
        before = next((row for key, row in self.before[label].items() if str(key) == pk), None)
        after = self._row(label, pk)
        if before is None or after is None:
            return set()
        return {name for name in after if before[name] != after[name]}

    def unaudited(self) -> list[tuple[str, str, str]]:
        audited: dict[tuple[str, str], set] = {}
        for entry in self.entries():
            audited.setdefault((entry.model, entry.object_id), set()).add(
                audit.operation_of(entry.action)
            )
        accepted: dict[str, set[str | None]] = {
            audit.CREATE: {audit.CREATE, None},
            audit.UPDATE: {audit.UPDATE, None},
            audit.DELETE: {audit.DELETE},
        }
        writes = self.writes()

        def covered(model: str, pk: str, operation: str) -> bool:
            if audited.get((model, pk), set()) & accepted[operation]:
                return True
            # The ledger's rule (coope.core.audit.LEDGER_ROWS): an entry, by its transfer's.
            if operation == audit.CREATE and model in audit.LEDGER_ROWS:
                field, owner = audit.LEDGER_ROWS[model]
                row = self._row(model, pk)
                return row is not None and bool(
                    audited.get((owner, str(row[field])), set()) & accepted[audit.CREATE]
                )
            # A cached balance moved alone (CACHED_FIELDS): by the transfer of an entry written
            # on that account in the same step.
            if operation == audit.UPDATE and model in audit.CACHED_FIELDS:
                fields, ledger, link = audit.CACHED_FIELDS[model]
                changed = self._changed(model, pk)
                return (
                    bool(changed)
                    and changed <= fields
                    and any(
                        str((self._row(ledger, entry_pk) or {}).get(link)) == pk
                        and covered(ledger, entry_pk, audit.CREATE)
                        for other, entry_pk, entry_operation in writes
                        if other == ledger and entry_operation == audit.CREATE
                    )
                )
            return False

        return sorted(
            (model, pk, operation)
            for model, pk, operation in writes
            if not covered(model, pk, operation)
        )


# -- what the write paths need --------------------------------------------------------------


class Bench:
    """An activity with a session, people, a cannery with a released batch, a director."""

    def __init__(self, world, client):
        self.w = world
        self.actor = world.director
        world.director.is_staff = True
        world.director.save()
        client.force_login(world.director)
        self.client = client
        coop = world.coop
        self.group = ProjectGroup.objects.create(cooperation=coop, name="Culture", slug="culture")
        self.activity = Activity.objects.create(
            cooperation=coop, title="Atelier couture", house=world.house_a, capacity=1
        )
        self.session = Session.objects.create(
            cooperation=coop,
            activity=self.activity,
            starts_at=START,
            ends_at=START + datetime.timedelta(hours=2),
            house=world.house_a,
        )
        self.ana, self.ben, self.cleo = (
            Person.objects.create(
                cooperation=coop, first_name=name, last_name="Test", home_house=world.house_a
            )
            for name in ("Ana", "Ben", "Cléo")
        )
        self.kit = Kit(world)
        self.producer = self.kit.producer()
        self.collection = self.kit.collection(self.producer)
        self.workshop = self.kit.session()
        self.batch = self.kit.batch(self.workshop, [(self.collection, 4000)])
        self.lot = self.batch.lots.get()

    def url(self, name: str, obj) -> str:
        from django.urls import reverse

        return reverse(name, args=[obj.pk])

    # small preparations, written before the watch opens
    def tick(self, person=None):
        return activities.record_attendance(
            actor=None, session=self.session, person=person or self.ana
        )

    def registered(self, person=None):
        return activities.register(actor=None, session=self.session, person=person or self.ana)

    def full_with_waiting(self):
        first = self.registered(self.ana)
        self.registered(self.ben)
        return first

    def counted(self):
        return activities.record_headcount(actor=None, session=self.session, counts={"": 4})

    def unbatched_collection(self):
        return self.kit.collection(self.producer, grams=3000)

    def accounts(self):
        """Ana's and Ben's time accounts (and the issuance account), before the watch."""
        return [
            timebank.open_account(actor=None, person=person, registered_with=self.w.assoc_a)
            for person in (self.ana, self.ben)
        ]

    def exchange_ready(self):
        self.accounts()
        return Category.objects.create(cooperation=self.w.coop, name="Jardinage")

    def transferred(self):
        self.accounts()
        return timebank.transfer_time(
            actor=None, payer=self.ana, payee=self.ben, minutes=45, idempotency_key="prepared"
        )

    def household(self):
        return people.create_household(
            actor=None,
            cooperation=self.w.coop,
            name="Famille Test",
            members=[(self.ana, "referent")],
        )


@pytest.fixture
def bench(in_scope, client):
    return Bench(in_scope, client)


@dataclass(frozen=True)
class Path:
    name: str
    write: Any  # (bench, prepared) -> anything
    prepare: Any = None  # (bench) -> prepared, before the watch opens

    def __str__(self) -> str:
        return self.name


def run(bench, path: Path):
    prepared = path.prepare(bench) if path.prepare else None
    with Watch(counted_models(bench.w.coop)) as watch:
        path.write(bench, prepared)
    assert watch.writes(), f"{path} wrote nothing: the test of this path proves nothing"
    assert not watch.unaudited(), f"{path} wrote rows without an audit entry: {watch.unaudited()}"
    return watch


SERVICE_PATHS = [
    # activities
    Path("create_activity", lambda b, _: activities.create_activity(actor=b.actor, cooperation=b.w.coop, title="Yoga", house=b.w.house_a)),
    Path("schedule_sessions", lambda b, _: activities.schedule_sessions(actor=b.actor, activity=b.activity, first_start=START, duration=datetime.timedelta(hours=1), weeks=3)),
    Path("register", lambda b, _: activities.register(actor=b.actor, session=b.session, person=b.ana)),
    Path("register_on_the_waiting_list", lambda b, _: activities.register(actor=b.actor, session=b.session, person=b.ben), prepare=Bench.registered),
    Path("register_again_after_cancelling", lambda b, r: activities.register(actor=b.actor, session=b.session, person=r.person), prepare=lambda b: activities.cancel_registration(actor=None, registration=b.registered()) or Registration.objects.get(person=b.ana)),
    Path("record_registration", lambda b, _: activities.record_registration(actor=b.actor, session=b.session, person=b.ana, status="waiting")),
    Path("cancel_registration_moves_up", lambda b, r: activities.cancel_registration(actor=b.actor, registration=r), prepare=Bench.full_with_waiting),
    Path("record_attendance_tick", lambda b, _: activities.record_attendance(actor=b.actor, session=b.session, person=b.ana)),
    Path("record_attendance_untick", lambda b, a: activities.record_attendance(actor=b.actor, session=b.session, person=a.person, present=False), prepare=Bench.tick),
    Path("record_headcount", lambda b, _: activities.record_headcount(actor=b.actor, session=b.session, counts={"": 3, "0-5": 2})),
    Path("record_headcount_replaces", lambda b, _: activities.record_headcount(actor=b.actor, session=b.session, counts={"": 5}), prepare=Bench.counted),
    # volunteering
    Path("record_volunteer_hours", lambda b, _: volunteering.record_volunteer_hours(actor=b.actor, people=[b.ana, b.ben], date=DAY, duration_minutes=90, kind="activity", session=b.session)),
    Path("record_training", lambda b, _: volunteering.record_training(actor=b.actor, person=b.ana, title="Formation à l'animation", date=DAY)),
    # people and membership
    Path("record_visit", lambda b, _: people.record_visit(actor=b.actor, house=b.w.house_a, date=DAY, reason="information", person=b.ana)),
    Path("create_person", lambda b, _: people.create_person(actor=b.actor, cooperation=b.w.coop, first_name="Dora", last_name="Test")),
    Path("update_person", lambda b, _: people.update_person(actor=b.actor, person=b.ana, last_name="Nouveau")),
    Path("take_membership", lambda b, _: membership.take_membership(actor=b.actor, house=b.w.house_a, period=b.w.period, payment_method="cash", person=b.ana, fee_cents=500, valid_from=DAY)),
    Path("create_household", lambda b, _: people.create_household(actor=b.actor, cooperation=b.w.coop, name="Famille Test", members=[(b.ana, "referent"), (b.ben, "partner")])),
    Path("add_to_household", lambda b, h: people.add_to_household(actor=b.actor, household=h, person=b.ben, link="partner", valid_from=DAY), prepare=Bench.household),
    Path("remove_from_household", lambda b, h: people.remove_from_household(actor=b.actor, household=h, person=b.ana, on=DAY), prepare=Bench.household),
    Path("change_home_house", lambda b, _: people.change_home_house(actor=b.actor, person=b.ana, house=b.w.house_b, on=DAY)),
    # TIC-TAC: accounts are audited; the ledger's entries and cached balances by their transfer
    Path("open_account", lambda b, _: timebank.open_account(actor=b.actor, person=b.cleo, registered_with=b.w.assoc_a)),
    Path("set_account_limits", lambda b, a: timebank.set_account_limits(actor=b.actor, account=a[0], min_balance_minutes=-600, max_balance_minutes=None, reason="Accord du comité"), prepare=Bench.accounts),
    Path("close_account", lambda b, a: timebank.close_account(actor=b.actor, account=a[0], reason="Départ"), prepare=Bench.accounts),
    Path("transfer_time", lambda b, _: timebank.transfer_time(actor=b.actor, payer=b.ana, payee=b.ben, minutes=90, idempotency_key="k1"), prepare=Bench.accounts),
    Path("record_exchange_and_confirm", lambda b, c: timebank.confirm_exchange(actor=b.actor, exchange=timebank.record_exchange(actor=b.actor, provider=b.ben, receiver=b.ana, minutes=60, category=c, description="Taille de haie", performed_on=DAY, idempotency_key="e1")), prepare=Bench.exchange_ready),
    Path("pay_in_time", lambda b, _: timebank.pay_in_time(actor=b.actor, payer=b.ana, payee_kind="association", association=b.w.assoc_a, minutes=60, item=b.lot, idempotency_key="p1"), prepare=Bench.accounts),
    Path("reverse_transfer", lambda b, t: timebank.reverse_transfer(actor=b.actor, transfer=t, reason="Saisi deux fois"), prepare=Bench.transferred),
    # the test-only programme: counted like any other
    Path("record_trial_visit", lambda b, _: tests_plugin.record_trial_visit(actor=b.actor, cooperation=b.w.coop, person=b.ana, date=DAY)),
    # the cannery
    Path("create_producer", lambda b, _: cannery.create_producer(actor=b.actor, cooperation=b.w.coop, name="Ferme du Bois", commune="Peyrins")),
    Path("record_collection", lambda b, _: cannery.record_collection(actor=b.actor, producer=b.producer, date=DAY, produce="pêches", weight_grams=5000)),
    Path("record_batch", lambda b, c: cannery.record_batch(actor=b.actor, session=b.workshop, recipe=b.kit.jam, inputs=[(c, 2000), (b.collection, 1000)], jars_by_size={250: 6, 370: 4}, sterilisation=GOOD_STERILISATION), prepare=Bench.unbatched_collection),
    Path("release_batch", lambda b, batch: cannery.release_batch(actor=b.actor, batch=batch), prepare=lambda b: b.kit.batch(b.workshop, [(b.collection, 500)], release=False)),
    Path("move_jars", lambda b, _: cannery.move_jars(actor=b.actor, lot=b.lot, jars=2, from_location=b.kit.van, to_location=b.kit.shop)),
    Path("give_jars", lambda b, _: cannery.give_jars(actor=b.actor, lot=b.lot, jars=1, location=b.kit.van, person=b.ana)),
    Path("return_jars", lambda b, _: cannery.return_jars(actor=b.actor, lot=b.lot, jars=1, location=b.kit.van, producer=b.producer)),
    Path("sell_jars_for_euros", lambda b, _: cannery.sell_jars_for_euros(actor=b.actor, lot=b.lot, jars=2, location=b.kit.van, price_cents=700, buyer="Client")),
    Path("record_loss", lambda b, _: cannery.record_loss(actor=b.actor, lot=b.lot, jars=1, location=b.kit.van, note="cassé")),
    Path("recall_lot", lambda b, _: cannery.recall_lot(actor=b.actor, lot=b.lot, reason="Couvercle mal serré")),
    # core: the platform administrator's and the setup screens
    Path("create_cooperation", lambda b, _: core.create_cooperation(actor=b.actor, name="Coopération C", slug="c", card_prefix="C", association_name="Association C", username="direction-c", email="c@example.org")),
    Path("create_association", lambda b, _: core.create_association(actor=b.actor, cooperation=b.w.coop, name="Association C")),
    Path("update_association", lambda b, _: core.update_association(actor=b.actor, association=b.w.assoc_b, address="2 rue B")),
    Path("save_house_new", lambda b, _: core.save_house(actor=b.actor, house=House(cooperation=b.w.coop, association=b.w.assoc_a, name="Maison C", short_name="C", address="3 rue C", postcode="26100", city="Romans-sur-Isère"))),
    Path("save_house_changed", lambda b, _: core.save_house(actor=b.actor, house=_changed(b.w.house_b, colour="#000000"))),
]  # fmt: skip


def _changed(instance, **values):
    """The row as a form leaves it: its values changed, not yet saved."""
    for field, value in values.items():
        setattr(instance, field, value)
    return instance


@pytest.mark.parametrize("path", SERVICE_PATHS, ids=str)
def test_each_service_audits_every_row_it_writes(bench, path):
    run(bench, path)


def _post(b, url, data, expected=(200, 302)):
    response = b.client.post(url, data)
    assert response.status_code in expected, (url, response.status_code)
    return response


PAGE_PATHS = [
    Path("roll_call_tick", lambda b, _: _post(b, b.url("activities:tick", b.session), {"person": b.ana.pk, "present": "1"})),
    Path("roll_call_untick", lambda b, a: _post(b, b.url("activities:tick", b.session), {"person": a.person_id, "present": "0"}), prepare=Bench.tick),
    Path("roll_call_walk_in", lambda b, _: _post(b, b.url("activities:walk_in_new", b.session), {"first_name": "Eva", "last_name": "Nouvelle", "home_house": b.w.house_a.pk})),
    Path("register_page", lambda b, _: _post(b, b.url("activities:register", b.session), {"person": b.ana.pk})),
    Path("cancel_registration_page", lambda b, r: _post(b, b.url("activities:cancel_registration", r), {}), prepare=Bench.full_with_waiting),
    Path("headcount_page", lambda b, _: _post(b, b.url("activities:headcount", b.session), {"all": "4", "band_0-5": "2"})),
    Path("headcount_page_replaces", lambda b, _: _post(b, b.url("activities:headcount", b.session), {"all": "1"}), prepare=Bench.counted),
    Path("volunteer_hours_page", lambda b, _: _post(b, f"/activites/benevolat/?seance={b.session.pk}", {"date": "2018-07-12", "hours": "2", "minutes": "30", "kind": "activity", "people": [b.ana.pk, b.ben.pk], "comment": ""}, expected=(302,))),
    Path("front_desk_visit_page", lambda b, _: _post(b, f"/accueil/passages/nouveau/?personne={b.ana.pk}", {"house": b.w.house_a.pk, "date": "2018-07-12", "reason": "information", "comment": ""}, expected=(302,))),
]  # fmt: skip


@pytest.mark.parametrize("path", PAGE_PATHS, ids=str)
def test_each_page_that_writes_audits_every_row(bench, path):
    run(bench, path)


# -- the admin --------------------------------------------------------------------------------


def _value(field, value):
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return "" if value is None else str(value)


def admin_form_data(response, **overrides) -> dict:
    """What the admin page's forms would post as they are shown, with `overrides`."""
    data: dict[str, Any] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms += formset.initial_forms
        data[management.add_prefix("TOTAL_FORM_COUNT")] = len(formset.initial_forms)
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if isinstance(field.widget, MultiWidget) and not isinstance(value, list):
                for i, part in enumerate(field.widget.decompress(value) or []):
                    data[f"{form.add_prefix(name)}_{i}"] = _value(field, part)
                continue
            value = _value(field, value)
            if value is not None:
                data[form.add_prefix(name)] = value
    for name, value in overrides.items():
        data[name] = value
    return {k: v for k, v in data.items() if v is not None}


# model label -> (what to fill in to add one, what to change then); values may use the bench.
ADMIN_CASES = {
    "core.association": lambda b: ({"name": "Association C"}, {"address": "3 rue C"}),
    "core.house": lambda b: ({"association": b.w.assoc_a.pk, "name": "Maison C", "short_name": "C", "address": "3 rue C", "postcode": "26100", "city": "Romans-sur-Isère", "colour": "#123456"}, {"city": "Bourg-de-Péage"}),
    "core.projectgroup": lambda b: ({"name": "Mobilité", "slug": "mobilite"}, {"name": "Mobilités"}),
    "people.person": lambda b: ({"first_name": "Flo", "last_name": "Admin"}, {"last_name": "Changé"}),
    "people.household": lambda b: ({"name": "Foyer Admin"}, {"city": "Romans-sur-Isère"}),
    "people.receptionvisit": lambda b: ({"house": b.w.house_a.pk, "date": "2018-07-12", "reason": "information"}, {"comment": "au téléphone"}),
    "membership.membership": lambda b: ({"period": b.w.period.pk, "person": b.cleo.pk, "house": b.w.house_a.pk, "card_number": "ROM-ADMIN-1", "fee_cents": "500", "payment_method": "cash", "valid_from": "2018-07-01", "valid_until": "2018-12-31"}, {"fee_cents": "1000"}),
    "activities.activity": lambda b: ({"title": "Atelier admin", "house": b.w.house_a.pk}, {"title": "Atelier renommé"}),
    "activities.session": lambda b: ({"activity": b.activity.pk, "starts_at_0": "2018-09-01", "starts_at_1": "10:00:00", "ends_at_0": "2018-09-01", "ends_at_1": "12:00:00", "house": b.w.house_a.pk}, {"cancelled": "on"}),
    "volunteering.volunteerhours": lambda b: ({"person": b.ana.pk, "date": "2018-07-12", "kind": "activity", "duration_minutes": "60"}, {"duration_minutes": "90"}),
    "volunteering.training": lambda b: ({"person": b.ana.pk, "title": "Premiers secours", "date": "2018-07-12"}, {"title": "Premiers secours (PSC1)"}),
    "cannery.producer": lambda b: ({"name": "Ferme admin", "commune": "Triors"}, {"commune": "Châtillon-Saint-Jean"}),
    "cannery.cannery": None,  # one per cooperation: changed, never added twice (below)
}  # fmt: skip


def _admin_url(model, action, obj=None) -> str:
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    return f"{base}{obj.pk}/{action}/" if obj is not None else f"{base}{action}/"


def admin_models_that_write(request_user) -> list[str]:
    """Counted models whose admin lets a director add, change or delete rows."""
    from django.test import RequestFactory

    # Any: the middleware adds the signed-in cooperation to the request, which its type lacks.
    request: Any = RequestFactory().get("/admin/")
    request.user = request_user
    request.cooperation = request_user.cooperation
    return sorted(
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if model._meta.label_lower in audit.figure_models()
        and (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
    )


def test_every_counted_model_in_the_admin_has_its_case(world):
    world.director.is_staff = True
    assert set(admin_models_that_write(world.director)) <= ADMIN_CASES.keys()


@pytest.mark.parametrize("label", sorted(k for k, v in ADMIN_CASES.items() if v))
def test_the_admin_audits_adding_changing_and_deleting(bench, label):
    model = apps.get_model(label)
    added, changed = ADMIN_CASES[label](bench)
    page = bench.client.get(_admin_url(model, "add"))
    data = admin_form_data(page, **added)
    known = set(model._base_manager.values_list("pk", flat=True))

    def add(b, _):
        response = b.client.post(_admin_url(model, "add"), data)
        assert response.status_code == 302, response.context["adminform"].form.errors

    run(bench, Path(f"admin add {label}", add))
    obj = model._base_manager.exclude(pk__in=known).get()
    page = bench.client.get(_admin_url(model, "change", obj))
    data = admin_form_data(page, **changed)

    def change(b, _):
        response = b.client.post(_admin_url(model, "change", obj), data)
        assert response.status_code == 302, response.context["adminform"].form.errors

    watch = run(bench, Path(f"admin change {label}", change))
    assert {e.action for e in watch.entries()} >= {"admin_change"}

    def delete(b, _):
        response = b.client.post(_admin_url(model, "delete", obj), {"post": "yes"})
        assert response.status_code == 302

    run(bench, Path(f"admin delete {label}", delete))
    assert not model._base_manager.filter(pk=obj.pk).exists()


def test_the_admin_audits_the_cannery_it_changes(bench):
    cannery_row = bench.kit.cannery
    model = type(cannery_row)
    page = bench.client.get(_admin_url(model, "change", cannery_row))
    data = admin_form_data(page, name="Conserverie renommée")

    def change(b, _):
        response = b.client.post(_admin_url(model, "change", cannery_row), data)
        assert response.status_code == 302, response.context["adminform"].form.errors

    run(bench, Path("admin change cannery", change))


def test_deleting_sessions_in_the_admin_audits_what_the_deletion_takes_along(bench):
    """A session deleted from the list (delete_selected) takes its registrations, attendances
    and headcounts with it: each of them is in the audit log, with its values."""
    bench.registered(bench.ben)
    bench.tick(bench.ana)
    bench.counted()
    model = Session

    def delete_selected(b, _):
        response = b.client.post(
            _admin_url(model, "")[:-1],
            {"action": "delete_selected", "_selected_action": [b.session.pk], "post": "yes"},
        )
        assert response.status_code == 302

    watch = run(bench, Path("admin delete_selected sessions", delete_selected))
    deleted = {(e.model, e.action) for e in watch.entries()}
    assert {
        ("activities.session", "admin_delete"),
        ("activities.registration", "admin_delete"),
        ("activities.attendance", "admin_delete"),
        ("activities.headcount", "admin_delete"),
    } <= deleted
    assert not Attendance.objects.filter(session_id=bench.session.pk).exists()
    assert not Headcount.objects.filter(session_id=bench.session.pk).exists()


# -- the test itself fails when a write skips the audit --------------------------------------


def test_a_write_without_its_entry_is_caught(bench):
    with Watch(counted_models(bench.w.coop)) as watch:
        Attendance.objects.create(cooperation=bench.w.coop, session=bench.session, person=bench.ben)
        Headcount.objects.bulk_create(
            [Headcount(cooperation=bench.w.coop, session=bench.session, age_band="", count=2)]
        )
        Household.objects.create(cooperation=bench.w.coop, name="Foyer sans trace")
    assert {model for model, _pk, _op in watch.unaudited()} == {
        "activities.attendance",
        "activities.headcount",
        "people.household",
    }


def test_a_deletion_needs_a_deletion_entry(bench):
    attendance = bench.tick()
    pk = str(attendance.pk)
    with Watch(counted_models(bench.w.coop)) as watch:
        audit.record(actor=None, action=audit.UPDATE, instance=attendance)
        attendance.delete()
    assert watch.unaudited() == [("activities.attendance", pk, audit.DELETE)]


def test_the_ledger_rule_covers_a_transfer_s_own_entries_and_balances_only(bench):
    """An entry of a transfer without its audit entry, or a balance moved without an entry, is
    caught: the ledger's rule is not a free pass for the time currency's rows."""
    ana, ben = bench.accounts()
    with Watch(counted_models(bench.w.coop)) as watch:
        transfer = Transfer.objects.create(
            cooperation=bench.w.coop, kind="transfer", amount_minutes=30, idempotency_key="raw"
        )
        Entry.objects.bulk_create(
            [
                Entry(cooperation=bench.w.coop, transfer=transfer, account=ana, amount_minutes=-30),
                Entry(cooperation=bench.w.coop, transfer=transfer, account=ben, amount_minutes=30),
            ]
        )
    assert {(model, op) for model, _pk, op in watch.unaudited()} == {
        ("timebank.transfer", audit.CREATE),
        ("timebank.entry", audit.CREATE),
    }
    with Watch(counted_models(bench.w.coop)) as watch:
        Account.objects.filter(pk=ana.pk).update(balance_minutes=0)
    assert watch.unaudited() == [("timebank.account", str(ana.pk), audit.UPDATE)]
