"""The demo's names are invented: no staff login and no person carries the name of someone the
2018 activity report names (its contacts, its directors, its designer)."""

import pytest

from coope.core.demo import build, data
from coope.core.models import User

# Every name printed in the 2018 report's contacts page, first names and last names.
NAMED_IN_THE_2018_REPORT = {
    "Angeles",
    "Estrada",
    "Mariana",
    "Roy",
    "Marine",
    "Adam",
    "Claire",
    "Dubuis",
    "Jean-Marc",
    "Noirau",
    "Reverbel",
}


def test_the_staff_logins_keep_their_usernames_with_invented_first_names():
    assert [login[0] for login in data.LOGINS] == [
        "directrice",
        "coordinatrice",
        "accueil",
        "accueil-ors",
        "benevole",
        "evaluatrice",
    ]  # README lists them
    assert not {login[3] for login in data.LOGINS} & NAMED_IN_THE_2018_REPORT


def test_the_demos_people_are_drawn_from_invented_names():
    drawn = {*data.FIRST_NAMES_F, *data.FIRST_NAMES_M, *data.LAST_NAMES}
    assert not drawn & NAMED_IN_THE_2018_REPORT
    # One name per slot: the lists keep their lengths, so the seeded demo keeps its figures.
    assert (len(data.FIRST_NAMES_F), len(data.FIRST_NAMES_M), len(data.LAST_NAMES)) == (24, 24, 48)


@pytest.mark.django_db
def test_a_staff_login_is_created_with_its_first_name():
    builder = build.DemoBuilder(data.VALENCE, 1, full=False)
    builder.build_structure()
    builder.build_logins([data.LOGINS[0]])
    user = User.objects.get(username="directrice")
    assert user.first_name == "Sylvie" and user.first_name not in NAMED_IN_THE_2018_REPORT
