from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from coope.core.plugins import CoopeApp, NavEntry

D, C, R, V = "director", "coordinator", "reception", "volunteer"


def report_section() -> dict:
    """The people's figures in a new cooperation's first report."""
    return {
        "title": str(_("Accueil des habitants")),
        "figures": [
            ("people.users", str(_("usagers")), False),
            ("people.reception_visits", str(_("passages aux accueils")), True),
        ],
        "texts": [],
    }


class PeopleConfig(AppConfig):
    name = "coope.people"
    label = "people"
    verbose_name = _("Habitants")
    coope = CoopeApp(
        urls=(("accueil/", "coope.people.urls"), ("rgpd/", "coope.people.urls_privacy")),
        permissions={
            # People are shared by the whole cooperation: one card, every house.
            "people.view": frozenset({D, C, R, V}),
            "people.edit": frozenset({D, C, R}),
            # Family quotient and notes: only those who compute fees or follow families.
            "people.view_sensitive": frozenset({D, R}),
            "people.export_personal_data": frozenset({D}),
            "people.anonymise": frozenset({D}),
            "reception.record_visit": frozenset({D, R, V}),  # (association)
        },
        nav=(NavEntry(_("Accueil"), "people:desk", "people.view", order=10),),
        import_kinds=(
            "coope.people.importing.PersonImporter",
            "coope.people.importing.HouseholdImporter",
            "coope.people.importing.MembershipImporter",
        ),
        report_section="coope.people.apps.report_section",
        figure_models=(
            "people.person",
            "people.household",
            "people.householdmember",
            "people.homehousespell",
            "people.receptionvisit",
        ),
    )

    def ready(self):
        # A later migration that rebuilds people_person on SQLite drops the search index's
        # triggers: every migrate puts back what is missing (coope/people/search_index.py).
        post_migrate.connect(_repair_search_index, sender=self, dispatch_uid="coope-search-index")


def _repair_search_index(sender, using, **kwargs):
    from coope.people import search_index  # the models are loaded by now

    search_index.ensure(connections[using])
