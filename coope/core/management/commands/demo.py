"""coope demo: creates the demo cooperations (Romans, and a small one to show isolation)."""

from django.core.management.base import BaseCommand

from coope.core.demo import data
from coope.core.demo.build import build_demo
from coope.core.permissions import Role


class Command(BaseCommand):
    help = "Crée la coopération de démonstration de Romans (et une petite seconde coopération)."

    def handle(self, *args, **options):
        build_demo(self.stdout)
        self.stdout.write(f"\nConnexions de démonstration (mot de passe « {data.PASSWORD} ») :")
        for username, role, _index, _name in data.LOGINS:
            self.stdout.write(f"  romans   {username:<16} {Role(role).label}")
        self.stdout.write(f"  romans   {'habitante':<16} Habitante (son compte TIC-TAC)")
        self.stdout.write(f"  valence  {'accueil-valence':<16} {Role.RECEPTION.label}")
