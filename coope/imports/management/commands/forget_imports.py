"""coope forget_imports: removes the import jobs older than a day and every file they left in the
import directory (uploads name people and their birth dates). Every upload and every import job
does it too; run it from a daily timer so that an import left waiting on a quiet server does not
keep its file.
"""

from django.core.management.base import BaseCommand

from coope.imports import jobs


class Command(BaseCommand):
    help = (
        "Efface les imports de plus d'un jour et les fichiers envoyés qu'ils ont laissés "
        "(à lancer chaque jour)."
    )

    def handle(self, *args, **options):
        forgotten = jobs.forget_old()
        self.stdout.write(f"Imports effacés : {forgotten}.")
