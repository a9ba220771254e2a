import datetime
import io

import pytest
from django.urls import reverse
from django_scopes import scope
from pypdf import PdfReader

from coope.activities import services
from coope.activities.models import Activity
from coope.people.services import create_person

pytestmark = pytest.mark.django_db


def test_the_paper_sheet_lists_the_registered_people_not_the_waiting_list(world, client_as):
    with scope(cooperation=world.coop.pk):
        activity = Activity.objects.create(
            cooperation=world.coop, house=world.house_a, title="Atelier couture", capacity=1
        )
        [session] = services.schedule_sessions(
            actor=world.alice,
            activity=activity,
            duration=datetime.timedelta(hours=2),
            first_start=datetime.datetime(2018, 3, 5, 14, tzinfo=datetime.UTC),
        )
        for first in ("Amina", "Bernard"):
            person = create_person(
                actor=world.alice, cooperation=world.coop, first_name=first, last_name="Roux"
            )
            services.register(actor=world.alice, session=session, person=person)
    url = reverse("activities:attendance_sheet", args=[session.pk])
    response = client_as(world.alice).get(url)
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Feuille de présence" in text and "Atelier couture" in text
    assert "Amina" in text and "Bernard" not in text  # Bernard is on the waiting list
    assert client_as(world.charlie).get(url).status_code == 404
    assert client_as(world.evaluator).get(url).status_code == 403
