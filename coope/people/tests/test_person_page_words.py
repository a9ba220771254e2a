"""The person page says what it knows in plain French: « Née le 03/04/1980 · Femme », and an
unknown sex as such, never « Né·e le … · Non précisé » (which reads as an unknown birth)."""

import datetime

import pytest
from django.urls import reverse
from django_scopes import scope

from coope.people.services import create_person

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("sex", "said"),
    [
        ("F", "Née le 03/04/1980 · Femme"),
        ("M", "Né le 03/04/1980 · Homme"),
        ("X", "Né·e le 03/04/1980 · sexe non précisé"),
    ],
)
def test_the_birth_and_the_sex_read_as_a_sentence(world, client_as, sex, said):
    with scope(cooperation=world.coop.pk):
        person = create_person(
            actor=world.alice,
            cooperation=world.coop,
            first_name="Camille",
            last_name="Roux",
            birth_date=datetime.date(1980, 4, 3),
            sex=sex,
        )
    html = client_as(world.alice).get(reverse("people:person", args=[person.pk])).content.decode()
    assert said in html
    assert "Non précisé" not in html
