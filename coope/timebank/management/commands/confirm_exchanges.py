"""`coope confirm_exchanges`: the periodic job that confirms exchanges left pending past the delay."""

from django.core.management.base import BaseCommand
from django_scopes import scope, scopes_disabled

from coope.core.models import Cooperation
from coope.timebank.services import confirm_due_exchanges


class Command(BaseCommand):
    help = "Confirme les échanges TIC-TAC restés sans réponse après le délai de la coopération."

    def handle(self, *args, **options):
        with scopes_disabled():
            cooperations = list(Cooperation.objects.order_by("slug"))
        total = 0
        for cooperation in cooperations:
            with scope(cooperation=cooperation.pk):
                confirmed, problems = confirm_due_exchanges(cooperation=cooperation)
            total += confirmed
            for problem in problems:
                self.stderr.write(f"{cooperation.slug} : {problem}")
        self.stdout.write(f"{total} échange(s) confirmé(s).")
