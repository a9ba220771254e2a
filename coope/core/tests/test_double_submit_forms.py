"""Every form that creates a record carries `{% once %}`: each POST form of every template either
has the tag or is listed below with the reason it needs none. A new form fails here until it
is given the tag or a reason."""

import re
from pathlib import Path

from django.template import engines

import coope

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
TARGET = re.compile(r"""(?:action|hx-post)="\{% url '([^']+)'""")
SAME_PAGE = "(same page)"

TIMEBANK_KEY = "TIC-TAC: the ledger's own idempotency key (a transfer records once)"
UPDATE = "changes a record in place: sent twice, the same result"
STATE = "a change of state that the service refuses, or does not repeat, the second time"
REMOVE = "removes or closes: the second time finds nothing to do"
NOT_A_RECORD = "writes no record of the cooperation"

NEEDS_NO_KEY = {
    ("activities/_attendance_row.html", "activities:tick"): "a double tick counts once",
    ("activities/_person_results.html", "activities:tick"): "a double tick counts once",
    ("activities/session_detail.html", "activities:cancel_registration"): STATE,
    ("activities/session_detail.html", "activities:headcount"): "the new count replaces the last",
    ("base.html", "logout"): NOT_A_RECORD,
    ("cannery/batch.html", SAME_PAGE): "release: " + STATE,  # the sterilisation form has one
    ("cannery/lot.html", "cannery:recall"): STATE,
    ("core/password_change.html", SAME_PAGE): UPDATE,
    ("data/import.html", SAME_PAGE): "an import job: importing a file twice writes nothing",
    ("data/preview.html", "data:import_confirm"): "the job is confirmed once (its state)",
    ("data/preview.html", "data:import_cancel"): STATE,
    ("membership/setup_fees.html", SAME_PAGE): UPDATE,
    ("membership/setup_period.html", SAME_PAGE): UPDATE,
    ("membership/setup_rules.html", SAME_PAGE): UPDATE,
    ("people/household_detail.html", "people:household_remove_member"): REMOVE,
    ("privacy/anonymise.html", SAME_PAGE): STATE,
    ("registration/login.html", SAME_PAGE): NOT_A_RECORD,
    ("registration/password_reset_confirm.html", SAME_PAGE): UPDATE,
    ("registration/password_reset_form.html", SAME_PAGE): NOT_A_RECORD,
    ("reports/_text.html", "reports:text_move"): UPDATE,
    ("reports/_text.html", "reports:text_remove"): REMOVE,
    ("reports/_text_form.html", "reports:text_edit"): UPDATE,
    ("reports/detail.html", "reports:update"): UPDATE,
    ("reports/detail.html", "reports:section_update"): UPDATE,
    ("reports/detail.html", "reports:section_move"): UPDATE,
    ("reports/detail.html", "reports:section_remove"): REMOVE,
    ("reports/detail.html", "reports:figure_move"): UPDATE,
    ("reports/detail.html", "reports:figure_remove"): REMOVE,
    ("reports/detail.html", "reports:figure_update"): UPDATE,
    ("setup/account.html", "core:role_take_back"): REMOVE,
    ("setup/account.html", "core:account_active"): UPDATE,
    ("setup/account.html", "core:account_password"): UPDATE,
    ("setup/agreements.html", "core:agreement_remove"): REMOVE,
    ("setup/association_form.html", SAME_PAGE): UPDATE,
    ("setup/cooperation.html", SAME_PAGE): UPDATE,
    ("timebank/account.html", "timebank:front_desk_answer"): STATE,
    ("timebank/account.html", "timebank:limits"): UPDATE,
    ("timebank/exchange_answer.html", SAME_PAGE): STATE,
    ("timebank/exchange_confirm.html", SAME_PAGE): TIMEBANK_KEY,
    ("timebank/exchange_form.html", SAME_PAGE): TIMEBANK_KEY,
    ("timebank/me.html", "timebank:notices_read"): UPDATE,
    ("timebank/me.html", "timebank:exchange_decide"): STATE,
    ("timebank/open.html", SAME_PAGE): "one account per person: a second opening shows the first",
    ("timebank/reverse.html", SAME_PAGE): TIMEBANK_KEY,
    ("timebank/setup_rules.html", SAME_PAGE): UPDATE,
}


def template_files() -> list[tuple[str, Path]]:
    """Every template of Coopé: the project's folder and each app's `templates/`."""
    roots = [Path(d) for d in engines["django"].dirs]
    roots += sorted(Path(coope.__file__).parent.glob("*/templates"))
    return [
        (path.relative_to(root).as_posix(), path) for root in roots for path in root.rglob("*.html")
    ]


def post_forms() -> list[tuple[str, str, bool]]:
    """(template, where the form posts, whether it carries the tag) for every POST form."""
    found = []
    for name, path in template_files():
        for match in FORM.finditer(path.read_text(encoding="utf-8")):
            attributes, body = match.groups()
            if 'method="post"' not in attributes.lower() and "hx-post" not in attributes:
                continue
            target = TARGET.search(attributes)
            found.append((name, target.group(1) if target else SAME_PAGE, "{% once %}" in body))
    return found


def test_every_post_form_that_creates_carries_the_one_time_key():
    forms = post_forms()
    assert len(forms) > 60  # the walk found the templates
    without = {(name, target) for name, target, tagged in forms if not tagged}
    assert sorted(without - NEEDS_NO_KEY.keys()) == []
    assert sorted(NEEDS_NO_KEY.keys() - without) == []  # no reason left for a form now tagged


def test_the_tester_s_forms_carry_it():
    tagged = {(name, target) for name, target, has in post_forms() if has}
    for form in [
        ("cannery/form.html", SAME_PAGE),  # sales, gifts, collections, batches
        ("people/visit_form.html", SAME_PAGE),
        ("people/person_form.html", SAME_PAGE),
        ("activities/volunteer_hours.html", SAME_PAGE),
        ("membership/take.html", SAME_PAGE),
        ("activities/activity_form.html", SAME_PAGE),
        ("activities/_person_results.html", "activities:register"),
    ]:
        assert form in tagged, form


def test_templates_that_use_the_tag_load_it():
    for name, path in template_files():
        text = path.read_text(encoding="utf-8")
        if "{% once %}" in text:
            assert re.search(r"\{% load [^%]*\bonce\b", text), name
