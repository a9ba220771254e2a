"""A cooperation names its own shop: Coopé creates it as « Boutique » and keeps the name given."""

import pytest
from django_scopes import scope

from coope.cannery.models import Location, LocationKind
from coope.cannery.services import ensure_locations

pytestmark = pytest.mark.django_db


def test_the_shop_keeps_the_name_its_cooperation_gave_it(world):
    with scope(cooperation=world.coop.pk):
        shop = next(
            loc for loc in ensure_locations(cooperation=world.coop) if loc.kind == LocationKind.SHOP
        )
        assert shop.name == "Boutique"
        shop.name = "L'Épicerie du quartier"
        shop.save()
        ensure_locations(cooperation=world.coop)
        shops = Location.objects.filter(kind=LocationKind.SHOP)
        assert list(shops.values_list("name", flat=True)) == ["L'Épicerie du quartier"]
        assert Location.objects.filter(kind=LocationKind.VAN).count() == 1
