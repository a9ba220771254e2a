"""coope demo: creates the demo cooperations (Romans, and a small one to show isolation), and
the platform's administrator, whose password is new at each run and printed only here."""

from django.core.management.base import BaseCommand
from django.db import transaction

from coope.core.demo import data
from coope.core.demo.build import build_demo
from coope.core.models import User
from coope.core.permissions import Role
from coope.core.services import initial_password

PLATFORM_USERNAME = "plateforme"


@transaction.atomic
def platform_administrator() -> str:
    """The platform's administrator (a superuser of no cooperation: creates cooperations), with
    a new random password; returns it. Not a demo password: nobody else knows it."""
    password = initial_password()
    user = User.objects.filter(username=PLATFORM_USERNAME).first()
    if user is None:
        user = User(username=PLATFORM_USERNAME, is_staff=True, is_superuser=True)
    elif not (user.is_superuser and user.cooperation_id is None):
        return ""  # an account of that name that is someone else's: left alone
    user.set_password(password)
    user.save()
    return password


class Command(BaseCommand):
    help = "Crée la coopération de démonstration de Romans (et une petite seconde coopération)."

    def handle(self, *args, **options):
        build_demo(self.stdout)
        self.stdout.write(f"\nConnexions de démonstration (mot de passe « {data.PASSWORD} ») :")
        for username, role, _index, _name in data.LOGINS:
            self.stdout.write(f"  romans   {username:<16} {Role(role).label}")
        self.stdout.write(f"  romans   {'habitante':<16} Habitante (son compte TIC-TAC)")
        self.stdout.write(f"  valence  {'accueil-valence':<16} {Role.RECEPTION.label}")
        password = platform_administrator()
        if password:
            self.stdout.write(
                f"\nAdministration de la plateforme (/plateforme/, /admin/) : {PLATFORM_USERNAME}, "
                f"mot de passe « {password} » (nouveau à chaque lancement)."
            )
