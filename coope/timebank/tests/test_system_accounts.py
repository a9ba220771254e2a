"""System accounts need an association: a cooperation that has none gets a message, not a 500."""

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from coope.core.models import Cooperation
from coope.timebank import services
from coope.timebank.models import AccountKind

pytestmark = pytest.mark.django_db


def test_a_cooperation_without_association_has_no_issuance_account():
    cooperation = Cooperation.objects.create(
        name="Coopération neuve", slug="neuve", card_prefix="N"
    )
    with scope(cooperation=cooperation.pk), pytest.raises(ValidationError) as raised:
        services.issuance_account(cooperation)
    assert "aucune association" in raised.value.messages[0]


def test_an_association_gets_its_system_account_once(world):
    with scope(cooperation=world.coop.pk):
        association = world.coop.associations.order_by("pk").first()
        first = services.issuance_account(world.coop)
        again = services.system_account(association, AccountKind.ISSUANCE)
    assert first == again
    assert first.association == association
    assert first.kind == AccountKind.ISSUANCE
