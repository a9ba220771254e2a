"""`coope demo` (the mobility programme's declaration): the 2017-2018 of the report's « groupe
mobilité » for Romans, and a fleet alive today.

- 22 e-bikes bought by 22 inhabitants in one group purchase, each with a plan (deposit and
  monthly instalments), their payments (a few late, two paid off early) and the supplier's
  invoice that equals the plans to the cent;
- 6 e-bikes for loan and 2 electrified rosalies (at Les Ors and at St Nicolas), a trailer; their
  loans through 2017-2018 paid in TIC-TAC through the time bank's own service, maintenance;
- rides (shopping, visits, deliveries, health appointments), 8 outings that bring together more
  than 50 people of the 3 houses, 3 cycles of the cycling school with their learners' progress.

It runs before the activities' demo (demo_order 25 < 30), which counts the sessions published
and the people met by the programmes before it: the year keeps its 352 events and 3500 usagers.
Participants are chosen among the 2018 members. Bulk writes, like the rest of the demo; the
payments in hours go through TIC-TAC's `pay_in_time` so that the ledger stays whole.
"""

import datetime
import random

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from coope.activities.models import Activity, ActivityKind, Attendance, Session
from coope.mobility.models import (
    MOBILITY,
    Booking,
    BookingStatus,
    GroupPurchase,
    Instalment,
    Level,
    Loan,
    MaintenanceEvent,
    MaintenanceRule,
    Payment,
    PaymentMethod,
    PlanPayment,
    Progress,
    PurchasePlan,
    Ride,
    RidePurpose,
    RideStatus,
    Rules,
    Unit,
    UnitDocument,
    UnitKind,
)
from coope.mobility.services import BIKES_PAYEE, add_months, schedule_amounts, started_days
from coope.volunteering.models import VolunteerHours

UTC = datetime.UTC
BUYERS, LOAN_BIKES, OUTINGS, CYCLES = 22, 6, 8, 3
OUTING_PEOPLE_PER_HOUSE = 19  # 57 distinct people over the 8 outings


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()
    )


def build(builder) -> None:
    if not builder.full:
        return
    r = random.Random("mobility-2017")  # its own generator: the rest of the demo stays as it was
    Rules.objects.create(cooperation=builder.cooperation)
    houses = {house.short_name: house for house in builder.houses}
    members = sorted(builder.members, key=lambda person: person.pk)
    units = build_fleet(builder, houses, r)
    build_group_purchase(builder, members, r)
    build_loans(builder, units, r)
    build_rides(builder, houses, units, members, r)
    build_outings_and_school(builder, houses, members, r)


def build_fleet(builder, houses, r) -> list[Unit]:
    cooperation = builder.cooperation
    ors, nicolas, citoyenne = houses["Les Ors"], houses["St Nicolas"], houses["Maison Citoyenne"]
    loan_houses = [nicolas, ors, citoyenne]
    units = [
        Unit(
            cooperation=cooperation,
            kind=UnitKind.EBIKE,
            name=f"VAE {n}",
            house=loan_houses[(n - 1) % 3],
            in_service_on=datetime.date(2017, 5, 2),
        )
        for n in range(1, LOAN_BIKES + 1)
    ]
    units += [
        Unit(
            cooperation=cooperation,
            kind=UnitKind.ROSALIE,
            name="Rosalie des Ors",
            house=ors,
            in_service_on=datetime.date(2017, 4, 10),
        ),
        Unit(
            cooperation=cooperation,
            kind=UnitKind.ROSALIE,
            name="Rosalie de St Nicolas",
            house=nicolas,
            in_service_on=datetime.date(2017, 4, 10),
        ),
        Unit(
            cooperation=cooperation,
            kind=UnitKind.TRAILER,
            name="Remorque",
            house=citoyenne,
            in_service_on=datetime.date(2017, 9, 1),
        ),
    ]
    units = Unit.objects.bulk_create(units)
    UnitDocument.objects.bulk_create(
        UnitDocument(
            cooperation=cooperation,
            unit=unit,
            kind=kind,
            date=unit.in_service_on,
            file_name=f"{kind}-{unit.name}.pdf".replace(" ", "-").lower(),
        )
        for unit in units
        for kind in ("invoice", "insurance")
    )
    rules = MaintenanceRule.objects.bulk_create(
        MaintenanceRule(
            cooperation=cooperation,
            unit=unit,
            label="Révision" if unit.kind == UnitKind.EBIKE else "Freins, pneus et batterie",
            every_km=500 if unit.kind == UnitKind.EBIKE else None,
            every_months=6 if unit.kind == UnitKind.EBIKE else 3,
        )
        for unit in units
    )
    # The last maintenance: a week ago, so that the fleet lends today.
    done = timezone.now() - datetime.timedelta(days=7)
    MaintenanceEvent.objects.bulk_create(
        MaintenanceEvent(
            cooperation=cooperation,
            unit=rule.unit,
            rule=rule,
            done_at=done,
            odometer_km=0,
            note="Révision de printemps",
            cost_cents=r.choice([0, 2500, 4500]),
        )
        for rule in rules
    )
    return units


def build_group_purchase(builder, members, r) -> None:
    cooperation = builder.cooperation
    purchase = GroupPurchase.objects.create(
        cooperation=cooperation,
        name="Achat groupé de vélos à assistance électrique 2017",
        supplier="Cycles de la Drôme",
        ordered_on=datetime.date(2017, 3, 20),
        invoice_number="CD-2017-0412",
    )
    buyers = r.sample(members, BUYERS)
    plans, schedules = [], []
    for index, buyer in enumerate(buyers):
        signed = datetime.date(2017, 3, 1) + datetime.timedelta(days=3 * index)
        price = r.choice([129_900, 149_900, 159_999, 179_950])
        deposit = r.choice([0, 10_000, 20_000, 30_000])
        count = r.choice([6, 10, 12])
        plan = PurchasePlan(
            cooperation=cooperation,
            purchase=purchase,
            buyer=buyer,
            signed_on=signed,
            price_cents=price,
            deposit_cents=deposit,
            instalments=count,
            first_due_on=datetime.date(2017, 5, 5),
            remainder_on="last",
        )
        plans.append(plan)
        amounts = [(0, signed, deposit)] if deposit else []
        amounts += [
            (n, add_months(plan.first_due_on, n - 1), a)
            for n, a in enumerate(
                schedule_amounts(price_cents=price, deposit_cents=deposit, instalments=count),
                start=1,
            )
        ]
        schedules.append(amounts)
    plans = PurchasePlan.objects.bulk_create(plans)
    Instalment.objects.bulk_create(
        Instalment(cooperation=cooperation, plan=plan, number=n, due_on=due, amount_cents=amount)
        for plan, rows in zip(plans, schedules, strict=True)
        for n, due, amount in rows
    )
    payments = []
    for index, (plan, rows) in enumerate(zip(plans, schedules, strict=True)):
        if index < 2:  # paid off early: the deposit, then the rest at once
            paid = rows[:1] if rows[0][0] == 0 else []
            payments += [(plan, due, amount) for _n, due, amount in paid]
            rest = plan.price_cents - sum(amount for _p, _d, amount in payments if _p is plan)
            payments.append((plan, datetime.date(2017, 6, 15), rest))
            continue
        late = index in (5, 11, 17)  # three buyers stopped paying in spring 2018
        for _n, due, amount in rows:
            if late and due >= datetime.date(2018, 3, 1):
                break
            payments.append((plan, due + datetime.timedelta(days=r.choice([0, 0, 2, 9])), amount))
    PlanPayment.objects.bulk_create(
        PlanPayment(
            cooperation=cooperation,
            plan=plan,
            paid_on=day,
            amount_cents=amount,
            method=r.choice(PaymentMethod.values),
        )
        for plan, day, amount in payments
    )
    purchase.invoice_total_cents = sum(plan.price_cents for plan in plans)
    purchase.save(update_fields=["invoice_total_cents"])


def _pay(booking: Booking, payer, minutes: int, when: datetime.datetime) -> bool:
    from coope.timebank.services import pay_in_time

    try:
        with transaction.atomic():
            pay_in_time(
                actor=None,
                payer=payer,
                payee_kind=BIKES_PAYEE,
                association=booking.unit.house.association,
                minutes=minutes,
                item=booking,
                idempotency_key=f"demo-mobility-booking-{booking.pk}",
                created_at=when,
            )
    except ValidationError:
        return False
    return True


def build_loans(builder, units, r) -> None:
    """Loans of the e-bikes and rosalies from June 2017 to December 2018, one every ten days or
    so per unit, 1 to 3 days each, paid in hours by members who hold a TIC-TAC account (free
    when TIC-TAC refuses the payment)."""
    from coope.timebank.models import Account

    cooperation = builder.cooperation
    accounts = list(
        Account.objects.filter(
            cooperation=cooperation, person__isnull=False, closed_at__isnull=True
        )
        .select_related("person")
        .order_by("pk")
    )
    if not accounts:
        return
    day_price = Rules.objects.get(cooperation=cooperation).minutes_per_day
    odometer = {unit.pk: 0 for unit in units}
    for unit in units:
        if unit.kind == UnitKind.TRAILER:
            continue
        day = datetime.date(2017, 6, 1) + datetime.timedelta(days=r.randint(0, 9))
        while day <= datetime.date(2018, 12, 20):
            account = r.choice(accounts)
            days = r.choice([1, 1, 2, 3])
            out_at, back_at = at(day, 9), at(day + datetime.timedelta(days=days - 1), 18)
            if account.opened_at > out_at:
                day += datetime.timedelta(days=r.randint(7, 14))
                continue
            km = r.randint(8, 25) * days
            booking = Booking.objects.create(
                cooperation=cooperation,
                unit=unit,
                borrower=account.person,
                starts_at=out_at,
                ends_at=back_at,
                blocked_until=back_at + datetime.timedelta(hours=1),
                status=BookingStatus.RETURNED,
                payment=Payment.FREE,
                created_at=out_at - datetime.timedelta(days=3),
            )
            minutes = started_days((back_at - out_at).total_seconds()) * day_price
            paid = _pay(booking, account.person, minutes, back_at)
            if paid:
                Booking.objects.filter(pk=booking.pk).update(
                    payment=Payment.HOURS, price_minutes=minutes
                )
            Loan.objects.create(
                cooperation=cooperation,
                booking=booking,
                unit=unit,
                borrower=account.person,
                out_at=out_at,
                out_checklist={"freins": True, "éclairage": True, "batterie chargée": True},
                deposit_cents=15_000 if unit.kind == UnitKind.EBIKE else 0,
                km_out=odometer[unit.pk],
                in_at=back_at,
                in_checklist={"freins": True, "éclairage": True},
                km_in=odometer[unit.pk] + km,
                distance_km=km,
                duration_minutes=int((back_at - out_at).total_seconds() // 60),
                days=started_days((back_at - out_at).total_seconds()),
                minutes_paid=minutes if paid else 0,
            )
            odometer[unit.pk] += km
            day += datetime.timedelta(days=days + r.randint(6, 14))
    for unit in units:
        Unit.objects.filter(pk=unit.pk).update(
            odometer_km=odometer[unit.pk], battery_cycles=odometer[unit.pk] // 40
        )
    for unit in units:
        MaintenanceEvent.objects.filter(unit=unit).update(odometer_km=odometer[unit.pk])


def build_rides(builder, houses, units, members, r) -> None:
    """Rides of 2017-2018: the rosalies for shopping, visits and deliveries, volunteer drivers
    for health appointments (their time counted as volunteer hours of the programme)."""
    cooperation = builder.cooperation
    rosalies = [unit for unit in units if unit.kind == UnitKind.ROSALIE]
    drivers = r.sample(members, 5)
    rides, hours = [], []
    day = datetime.date(2017, 5, 3)
    while day <= datetime.date(2018, 12, 20):
        purpose = r.choice(
            [
                RidePurpose.SHOPPING,
                RidePurpose.SHOPPING,
                RidePurpose.VISIT,
                RidePurpose.DELIVERY,
                RidePurpose.HEALTH,
            ]
        )
        rosalie = None if purpose == RidePurpose.HEALTH else r.choice(rosalies)
        driver = r.choice(drivers)
        house = rosalie.house if rosalie else r.choice(builder.houses)
        duration = r.choice([60, 90, 120])
        rides.append(
            Ride(
                cooperation=cooperation,
                purpose=purpose,
                requested_by=r.choice(members),
                date=day,
                house=house,
                unit=rosalie,
                driver=driver,
                status=RideStatus.DONE,
                payment=Payment.FREE,
                duration_minutes=duration,
            )
        )
        hours.append(
            VolunteerHours(
                cooperation=cooperation,
                person=driver,
                date=day,
                kind="activity",
                programme=MOBILITY,
                duration_minutes=duration,
                comment=f"Trajet ({purpose.label})",
            )
        )
        day += datetime.timedelta(days=r.randint(5, 12))
    rides = Ride.objects.bulk_create(rides)
    VolunteerHours.objects.bulk_create(hours)
    Ride.passengers.through.objects.bulk_create(
        Ride.passengers.through(ride_id=ride.pk, person_id=person.pk)
        for ride in rides
        for person in {ride.requested_by, *r.sample(members, r.choice([0, 0, 1, 2]))}
    )


def build_outings_and_school(builder, houses, members, r) -> None:
    cooperation = builder.cooperation
    by_house: dict[int, list] = {}
    for person in members:
        by_house.setdefault(person.home_house_id, []).append(person)
    # 8 outings, each from one house, with people of the 3 houses.
    outing_days = [
        datetime.date(2017, 5, 20),
        datetime.date(2017, 6, 24),
        datetime.date(2017, 9, 16),
        datetime.date(2017, 10, 14),
        datetime.date(2018, 4, 21),
        datetime.date(2018, 6, 9),
        datetime.date(2018, 9, 15),
        datetime.date(2018, 10, 6),
    ]
    places = [
        "Voie verte de l'Isère",
        "Lac de Champos",
        "Vélo-route des Chambaran",
        "Marché de Bourg-de-Péage",
        "Canal de la Bourne",
        "Parc des Balmes",
        "Voie verte de l'Isère",
        "Mours-Saint-Eusèbe",
    ]
    chosen = {
        house.pk: r.sample(
            by_house.get(house.pk, []),
            min(OUTING_PEOPLE_PER_HOUSE, len(by_house.get(house.pk, []))),
        )
        for house in builder.houses
    }
    # One activity, « Sorties à vélo », for the whole cooperation: each outing is one of its
    # sessions, at the house that organises it; two coming Saturdays keep it alive today.
    outings = Activity.objects.create(
        cooperation=cooperation,
        title="Sorties à vélo",
        programme=MOBILITY,
        kind=ActivityKind.OUTING,
        theme="Mobilité",
        capacity=20,
        description="Sorties à vélo entre habitants des trois maisons de quartier.",
    )
    sessions = Session.objects.bulk_create(
        Session(
            cooperation=cooperation,
            activity=outings,
            starts_at=at(day, 9),
            ends_at=at(day, 17),
            house=builder.houses[i % 3],
            place=places[i],
        )
        for i, day in enumerate(outing_days)
    )
    saturday = builder.today + datetime.timedelta(days=(5 - builder.today.weekday()) % 7 or 7)
    Session.objects.bulk_create(
        Session(
            cooperation=cooperation,
            activity=outings,
            starts_at=at(saturday + datetime.timedelta(weeks=week), 9),
            ends_at=at(saturday + datetime.timedelta(weeks=week), 17),
            house=builder.houses[week % 3],
            place=places[week],
        )
        for week in (0, 2)
    )
    seen = set()
    for people in chosen.values():
        for index, person in enumerate(people):
            for session in {sessions[index % OUTINGS], r.choice(sessions)}:
                seen.add((session.pk, person.pk))
    Attendance.objects.bulk_create(
        Attendance(cooperation=cooperation, session_id=session_pk, person_id=person_pk)
        for session_pk, person_pk in sorted(seen)
    )

    # The cycling school: 3 cycles of 6 weekly sessions, 6 to 8 learners each.
    starts = [
        (datetime.date(2017, 9, 26), "St Nicolas"),
        (datetime.date(2018, 3, 13), "Les Ors"),
        (datetime.date(2018, 9, 25), "Maison Citoyenne"),
    ]
    cycles = Activity.objects.bulk_create(
        Activity(
            cooperation=cooperation,
            house=houses[short],
            title=f"Vélo-école, cycle de {'printemps' if first.month < 6 else 'rentrée'} {first.year}",
            programme=MOBILITY,
            kind=ActivityKind.COURSE,
            theme="Mobilité",
            capacity=8,
        )
        for first, short in starts
    )
    attendances, progress = [], []
    levels = list(Level.values)
    for cycle, (first, _short) in zip(cycles, starts, strict=True):
        days = [first + datetime.timedelta(weeks=w) for w in range(6)]
        cycle_sessions = Session.objects.bulk_create(
            Session(
                cooperation=cooperation,
                activity=cycle,
                starts_at=at(day, 14),
                ends_at=at(day, 16),
                house=cycle.house,
            )
            for day in days
        )
        learners = r.sample(by_house.get(cycle.house_id or 0, members), r.randint(6, 8))
        for learner in learners:
            level = 0
            for session in cycle_sessions:
                if r.random() < 0.85:
                    attendances.append(
                        Attendance(cooperation=cooperation, session=session, person=learner)
                    )
            for step, day in (
                (0, days[0]),
                (r.randint(1, 3), days[2]),
                (r.randint(2, 4), days[-1]),
            ):
                level = max(level, step)
                progress.append(
                    Progress(
                        cooperation=cooperation,
                        cycle=cycle,
                        learner=learner,
                        noted_on=day,
                        level=levels[level],
                    )
                )
    Attendance.objects.bulk_create(attendances)
    Progress.objects.bulk_create(progress)
