"""`coope check`: Django's system checks, then every invariant of the records (ledgers, stock)."""

from django.core.management.base import CommandError
from django.core.management.commands import check as django_check
from django_scopes import scopes_disabled

from coope.lib.invariants import invariants


class Command(django_check.Command):
    help = (
        "Vérifie la configuration, puis chaque invariant des données (grand livre TIC-TAC, stocks)."
    )

    def handle(self, *app_labels, **options):
        super().handle(*app_labels, **options)
        failures = 0
        with scopes_disabled():
            for inv in invariants():
                problems = list(inv.check())
                if problems:
                    failures += len(problems)
                    self.stdout.write(self.style.ERROR(f"✗ {inv.label}"))
                    for problem in problems:
                        self.stdout.write(f"    - {problem}")
                else:
                    self.stdout.write(self.style.SUCCESS(f"✓ {inv.label}"))
        if failures:
            raise CommandError(
                f"{failures} problème(s) trouvé(s) dans les données : voir ci-dessus."
            )
        self.stdout.write(self.style.SUCCESS("Toutes les vérifications des données sont passées."))
