"""The `coope` console script: every management command of Coopé."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coope.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["coope", *sys.argv[1:]])


if __name__ == "__main__":
    main()
