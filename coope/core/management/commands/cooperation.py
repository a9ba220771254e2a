"""coope cooperation create: a new cooperation, its first association and its first director,
for scripts (the platform administrator's screen does the same at /plateforme/nouvelle/).

    coope cooperation create --slug val-de-drome --name "Coopération du Val de Drôme" \\
        --association "Centre social du Val" --director-username marie \\
        --director-email marie@example.org [--card-prefix VDD] [--password-stdin]

Without --password-stdin an initial password is chosen and printed once. Run twice with the
same slug, it says the cooperation exists and exits with code 1, writing nothing.
"""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from coope.core import services
from coope.core.forms import NewCooperationForm
from coope.core.models import Cooperation

# form field -> the option that gives it, to name it in a message
OPTIONS = {
    "name": "--name",
    "slug": "--slug",
    "card_prefix": "--card-prefix",
    "association_name": "--association",
    "username": "--director-username",
    "email": "--director-email",
    "first_name": "--director-first-name",
    "last_name": "--director-last-name",
    "password": "--password-stdin",
}


def _refused(errors: dict) -> CommandError:
    lines = [
        f"{OPTIONS.get(field, '')} : {message}".strip(" :")
        for field, messages in errors.items()
        for message in messages
    ]
    return CommandError("Rien n'a été écrit :\n  " + "\n  ".join(lines))


class Command(BaseCommand):
    help = "Crée une coopération, sa première association et son premier compte de direction."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="create")
        create = actions.add_parser(
            "create", help="une nouvelle coopération", description=self.help
        )
        create.add_argument("--slug", required=True, help="identifiant, ex. val-de-drome")
        create.add_argument("--name", required=True, help="nom de la coopération")
        create.add_argument(
            "--card-prefix",
            default="",
            help="préfixe des numéros de carte, ex. VDD (par défaut : début de l'identifiant)",
        )
        create.add_argument("--association", required=True, help="nom de la première association")
        create.add_argument(
            "--director-username", required=True, help="identifiant de connexion de la direction"
        )
        create.add_argument("--director-email", required=True, help="courriel de la direction")
        create.add_argument("--director-first-name", default="", help="prénom")
        create.add_argument("--director-last-name", default="", help="nom")
        create.add_argument(
            "--password-stdin",
            action="store_true",
            help="lire le mot de passe de la direction sur l'entrée standard "
            "(sinon un mot de passe initial est choisi et affiché une fois)",
        )

    def handle(self, *args, **options):
        slug = options["slug"].strip().lower()
        if Cooperation.objects.filter(slug=slug).exists():
            raise CommandError(f"La coopération « {slug} » existe déjà : rien n'a été écrit.")
        password = ""
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError(
                    "--password-stdin : aucun mot de passe lu sur l'entrée standard ; "
                    "rien n'a été écrit."
                )
        form = NewCooperationForm(
            data={
                "name": options["name"],
                "slug": slug,
                "card_prefix": options["card_prefix"] or "".join(filter(str.isalnum, slug))[:3],
                "association_name": options["association"],
                "username": options["director_username"],
                "email": options["director_email"],
                "first_name": options["director_first_name"],
                "last_name": options["director_last_name"],
                "password": password,
            }
        )
        if not form.is_valid():
            raise _refused(form.errors)
        data = form.cleaned_data
        try:
            cooperation, director, password = services.create_cooperation(actor=None, **data)
        except ValidationError as error:
            raise _refused(
                error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
            ) from error
        self.stdout.write(
            f"Coopération « {cooperation.name} » créée (identifiant {cooperation.slug}, "
            f"cartes {cooperation.card_prefix}-…), association « {data['association_name']} », "
            f"direction : {director.username}."
        )
        if not data["password"]:
            self.stdout.write(
                f"Mot de passe initial de {director.username} (affiché une seule fois, "
                f"à changer à la première connexion) : {password}"
            )
