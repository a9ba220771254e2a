"""A coordinator's week, on a phone: plan an activity, register people, call the roll (30 names
and walk-ins), count a crowd, record the team's volunteer hours, and read the figures."""

import datetime

import pytest
from django.utils import timezone
from django_scopes import scope

from coope.activities import services
from coope.activities.models import Activity, Attendance, Session
from coope.conftest import PASSWORD
from coope.people.services import create_person
from coope.volunteering.models import VolunteerHours

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_plans_registers_ticks_counts_and_reads_the_figures(live_server, world, phone):
    first_day = timezone.localdate() + datetime.timedelta(days=7)
    with scope(cooperation=world.coop.pk):
        elodie = create_person(
            actor=world.alice,
            cooperation=world.coop,
            first_name="Élodie",
            last_name="Dupont",
            home_house=world.house_b,
        )
        create_person(
            actor=world.alice,
            cooperation=world.coop,
            first_name="Karim",
            last_name="Benali",
            home_house=world.house_a,
        )
        class_of_30 = [
            create_person(
                actor=world.alice,
                cooperation=world.coop,
                first_name=f"Élève {i:02d}",
                last_name="Classe",
                home_house=world.house_a,
            )
            for i in range(30)
        ]
    page = phone
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("coordination")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    # An activity with a weekly session for four weeks.
    page.get_by_role("button", name="Menu").click()  # on a phone the menu is folded
    page.get_by_role("link", name="Activités").click()
    page.get_by_role("link", name="Nouvelle activité").click()
    page.get_by_label("Titre").fill("Atelier cuisine")
    page.get_by_label("Maison :", exact=True).select_option(label=world.house_a.name)
    page.get_by_label("Places").fill("40")
    page.get_by_label("Date de la première séance").fill(first_day.isoformat())
    page.get_by_label("Heure de début").fill("14:00")
    page.get_by_label("Heure de fin").fill("16:00")
    page.get_by_label("Nombre de semaines").fill("4")
    page.get_by_role("button", name="Créer l'activité et ses séances").click()
    page.get_by_text("Activité « Atelier cuisine » créée, avec 4 séance(s).").wait_for()

    # Register Élodie by searching her name without its accent.
    page.get_by_role("link", name=first_day.strftime("%d").lstrip("0"), exact=False).first.click()
    page.get_by_label("Inscrire quelqu'un").fill("elodie")
    page.get_by_role("button", name="Inscrire").click()
    page.get_by_text("Élodie Dupont est inscrit·e.").wait_for()
    with scope(cooperation=world.coop.pk):
        session = Session.objects.get(activity__title="Atelier cuisine", starts_at__date=first_day)
        for person in class_of_30[1:]:  # a class registered by its teacher
            services.register(actor=world.coordinator, session=session, person=person)
        services.register(actor=world.coordinator, session=session, person=class_of_30[0])

    # The roll: one tap per name.
    page.get_by_role("link", name="Faire l'appel").click()
    page.get_by_role("button", name="DUPONT Élodie").click()
    page.locator(f"#person-{elodie.pk}[class~=present]").wait_for()
    for person in class_of_30:
        page.get_by_role("button", name=f"CLASSE {person.first_name}").click()
    page.locator("#present-count", has_text="31").wait_for()
    # A double tap takes the tick back: still one attendance per person.
    page.get_by_role("button", name="DUPONT Élodie").click()
    page.locator("#present-count", has_text="30").wait_for()
    page.get_by_role("button", name="DUPONT Élodie").click()
    page.locator("#present-count", has_text="31").wait_for()

    # A walk-in who is known, and one who is not.
    page.get_by_label("Chercher la personne").fill("karim")
    page.get_by_role("button", name="Présent·e").click()
    page.locator("#present-count", has_text="32").wait_for()
    page.get_by_text("Personne inconnue ? L'ajouter").click()
    page.get_by_label("Prénom :", exact=True).fill("Zoé")
    page.get_by_label("Nom :", exact=True).fill("Martin")
    page.get_by_role("button", name="Ajouter et noter présent·e").click()
    page.get_by_text("Zoé Martin est ajouté·e et noté·e présent·e.").wait_for()
    page.locator("#present-count", has_text="33").wait_for()

    # People counted on the market square, without names.
    page.get_by_role("link", name="Retour à la séance").click()
    page.get_by_label("Tous âges").fill("12")
    page.get_by_role("button", name="Enregistrer le comptage").click()
    page.get_by_text("Comptage enregistré : 12 personne(s).").wait_for()

    # The team's volunteer hours: Élodie and Zoé ticked among the session's people, Karim found by name.
    page.get_by_role("link", name="Heures des bénévoles").click()
    page.get_by_label("Ajouter un·e bénévole").fill("benali")
    page.get_by_role("button", name="Ajouter à l'équipe").click()
    page.get_by_label("DUPONT Élodie").check()
    page.get_by_label("MARTIN Zoé").check()
    page.get_by_label("Heures").fill("2")
    page.get_by_role("button", name="Enregistrer les heures").click()
    page.get_by_text("Heures de bénévolat enregistrées pour 3 personne(s).").wait_for()

    # The figures of the month.
    last_day = first_day + datetime.timedelta(weeks=4)
    page.goto(f"{live_server.url}/chiffres/?du={first_day.isoformat()}&au={last_day.isoformat()}")

    def shown(key: str) -> str:
        return page.locator(f"[data-key='{key}'] strong").inner_text().replace("\u00a0", " ")

    assert shown("activities.sessions") == "4 séances"
    assert shown("activities.attendances") == "33 présences"
    assert shown("activities.headcount_participants") == "12 personnes"
    assert shown("volunteering.hours") == "6 h"  # 360 minutes, shown in hours

    with scope(cooperation=world.coop.pk):
        activity = Activity.objects.get(title="Atelier cuisine")
        assert activity.sessions.count() == 4
        assert Attendance.objects.filter(session=session).count() == 33
        assert Attendance.objects.filter(session=session, walk_in=True).count() == 2
        assert sorted(VolunteerHours.objects.values_list("person__first_name", flat=True)) == [
            "Karim",
            "Zoé",
            "Élodie",
        ]
