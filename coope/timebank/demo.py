"""The demo's year of TIC-TAC: filled in by the time-currency issue."""


def build_timebank_demo(builder, *, members) -> None:
    """Accounts, exchanges, payments and a few reversals for the demo cooperation.

    `builder` is the DemoBuilder (cooperation, associations, houses, periods, random);
    `members` are the persons with a 2018 membership."""
