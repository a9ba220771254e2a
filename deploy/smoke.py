"""The smoke test of `make prod-check`: a running Coopé (gunicorn, the worker, PostgreSQL, in
production mode) is asked what a person and a supervisor would ask, over HTTP, with the
standard library only. Run by deploy/prod-check.sh, which starts the processes:

    python deploy/smoke.py --base http://127.0.0.1:PORT --username U --password-env SMOKE_PASSWORD \\
        --cooperation prodcheck --worker-id ID
    python deploy/smoke.py --base http://127.0.0.1:PORT --expect-worker absent

Requests carry `X-Forwarded-Proto: https` as the reverse proxy would (production redirects plain
HTTP and sets its cookies `Secure`). The import's end is read in the database too (the same
environment, so Django's settings load): the job is done, its rows exist, and both of its tasks
were run by the worker named `--worker-id`. Exits 1 at the first failure, saying what failed.
"""

import argparse
import json
import os
import re
import sys
import time
import uuid
from html.parser import HTMLParser
from http.client import HTTPResponse
from urllib.error import HTTPError
from urllib.parse import urlencode, urljoin, urlsplit
from urllib.request import HTTPRedirectHandler, Request, build_opener

FIRST_NAMES = "Alice Benoît Chloé David Élodie Farid Gaëlle Hugo Inès Jules Karima Louis Maëlle Nadia Omar Pauline Quentin Rose Samir Thaïs Ugo Valentine Wassim Yasmine Zoé".split()
LAST_NAMES = "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefèbvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre Mercier Dupont Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guérin Muller Henry Roussel Nicolas Perrin Morin Mathieu Clément Gauthier Dumont Lopez Fontaine Chevalier Robin Masson Sanchez Gérard Nguyen Boyer Denis Lemaire Duval Joly Gautier Roger Roche Roy Noël Meyer Lucas Meunier Jean Perez Marchand".split()


class Failed(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)
    print(f"  ok  {what}")


class NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Forms(HTMLParser):
    """The forms of a page: action, and the named inputs with a value (hidden ones included)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "form":
            self.forms.append({"action": found.get("action") or "", "fields": {}})
        elif tag == "input" and self.forms and found.get("name"):
            if found.get("type") in ("hidden", None, "text") and found.get("value") is not None:
                self.forms[-1]["fields"][found["name"]] = found["value"]


class Browser:
    """Cookies by hand: production's cookies are `Secure`, which http.cookiejar keeps off a
    plain-HTTP connection, though the proxy's header makes the request HTTPS to Django."""

    def __init__(self, base: str):
        if urlsplit(base).scheme not in ("http", "https"):
            raise Failed(f"--base must be an http:// address, not {base}")
        self.base = base.rstrip("/")
        self.cookies: dict[str, str] = {}
        self.opener = build_opener(NoRedirect)

    def request(self, path, *, data=None, headers=None, https=True) -> tuple[int, dict, bytes]:
        url = urljoin(self.base + "/", path.lstrip("/"))
        sent = {"X-Forwarded-Proto": "https"} if https else {}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if data is not None:
            origin = "https://" + urlsplit(self.base).netloc
            sent |= {"Origin": origin, "Referer": origin + path}
        sent |= headers or {}
        try:
            response: HTTPResponse = self.opener.open(Request(url, data=data, headers=sent))  # noqa: S310 (http only)
        except HTTPError as error:
            response = error  # type: ignore[assignment]
        body = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, dict(response.headers.items()), body

    def get(self, path, **kwargs):
        return self.request(path, **kwargs)

    def post(self, path, fields: dict, **kwargs):
        return self.request(
            path,
            data=urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            **kwargs,
        )

    def post_file(self, path, fields: dict, name: str, filename: str, content: bytes):
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            path,
            data=b"".join(parts),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )


def forms_of(body: bytes) -> list[dict]:
    parser = Forms()
    parser.feed(body.decode())
    return parser.forms


def health(browser: Browser) -> tuple[int, dict]:
    status, headers, body = browser.get("/sante/", https=False)
    try:
        return status, json.loads(body)
    except ValueError:
        raise Failed(
            f"/sante/ answered {status} {headers.get('Location', '')} {body[:200]!r}"
        ) from None


def wait_for_health(browser: Browser, worker: str, seconds: float = 30) -> tuple[int, dict]:
    deadline = time.monotonic() + seconds
    while True:
        status, answer = health(browser)
        if answer.get("worker") == worker or time.monotonic() > deadline:
            return status, answer
        time.sleep(0.5)


def people_csv(rows: int) -> bytes:
    lines = ["prenom;nom;date_naissance"]
    for i in range(rows):
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        last = LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
        lines.append(f"{first};{last};{1 + i % 28:02d}/{1 + i % 12:02d}/{1940 + i % 70}")
    return ("\n".join(lines) + "\n").encode()


def job_in_database(token: str):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coope.settings")
    django.setup()
    from django_scopes import scopes_disabled

    from coope.imports.models import ImportJob

    with scopes_disabled():
        return ImportJob.objects.get(token=token)


def wait_for_job(token: str, statuses: set[str], seconds: float = 600):
    deadline = time.monotonic() + seconds
    while True:
        job = job_in_database(token)
        if job.status in statuses or time.monotonic() > deadline:
            return job
        time.sleep(0.5)


def smoke(args) -> None:
    browser = Browser(args.base)

    print("Health")
    status, answer = wait_for_health(browser, "ok")
    check(status == 200 and answer.get("database") == "ok", f"/sante/ answers 200: {answer}")
    check(answer.get("worker") == "ok", "the worker beats")

    print("Doors")
    status, headers, _ = browser.get("/connexion/", https=False)
    check(
        status == 301 and headers.get("Location", "").startswith("https://"),
        "plain HTTP is sent to HTTPS",
    )
    status, headers, body = browser.get("/connexion/")
    check(status == 200, f"the login page answers over HTTPS (answer {status})")
    csp = headers.get("Content-Security-Policy", "")
    check(
        "script-src 'self' 'nonce-" in csp and "object-src 'none'" in csp,
        f"CSP with a nonce: {csp[:80]}…",
    )
    check("max-age=" in headers.get("Strict-Transport-Security", ""), "HSTS")
    check("secure" in headers.get("Set-Cookie", "").lower(), "the cookies are Secure")

    print("Static files")
    found = re.findall(rb"/static/[\w/.-]+\.[0-9a-f]{12}\.(?:css|js)", body)
    check(bool(found), "the page links a static file with a hashed name")
    static = found[0].decode()
    status, headers, content = browser.get(static, headers={"Accept-Encoding": "gzip"})
    cache = headers.get("Cache-Control", "")
    check(status == 200 and content, f"{static} is served")
    check("max-age=315360000" in cache and "immutable" in cache, f"for ever: {cache}")
    check(headers.get("Content-Encoding") == "gzip", "compressed")

    print("Login")
    login = [form for form in forms_of(body) if "csrfmiddlewaretoken" in form["fields"]]
    check(bool(login), "the login form carries its CSRF token")
    token = login[0]["fields"]["csrfmiddlewaretoken"]
    password = os.environ[args.password_env]
    status, headers, _ = browser.post(
        "/connexion/",
        {"csrfmiddlewaretoken": token, "username": args.username, "password": password, "next": ""},
    )
    check(status == 302, f"the director logs in (answer {status})")

    print("Import in the worker")
    status, _, body = browser.get("/donnees/importer/")
    check(status == 200, "the import page")
    [upload] = [form for form in forms_of(body) if "csrfmiddlewaretoken" in form["fields"]][:1]
    content = people_csv(args.rows)
    status, headers, body = browser.post_file(
        "/donnees/importer/",
        {**upload["fields"], "kind": "people"},
        "file",
        "personnes.csv",
        content,
    )
    location = headers.get("Location", "")
    match = re.search(r"/donnees/importer/([0-9a-f]+)/$", location)
    check(status == 302 and bool(match), f"{args.rows} people sent (answer {status} {location})")
    job_token = match.group(1)  # type: ignore[union-attr]
    job = wait_for_job(job_token, {"ready", "failed"})
    check(job.background, "the job runs in the background")
    check(job.status == "ready", f"the worker checked the file (status {job.status}: {job.notice})")
    status, _, body = browser.get(location)
    confirm = [
        f
        for f in forms_of(body)
        if f["action"].endswith("/confirmer/") and f["fields"].get("mode") == "all"
    ]
    check(status == 200 and bool(confirm), "the preview offers to import")
    status, _, _ = browser.post(confirm[0]["action"], confirm[0]["fields"])
    check(status == 302, "import confirmed")
    job = wait_for_job(job_token, {"done", "failed", "ready"})
    check(job.status == "done", f"the worker imported the file (status {job.status}: {job.notice})")
    status, _, body = browser.get(location)
    check(status == 200 and "Import terminé".encode() in body, "the job's page says it is done")
    assert_done_by_worker(args, job)

    print("Figures")
    status, _, body = browser.get("/chiffres/")
    check(status == 200, "/chiffres/ answers")

    status, answer = health(browser)
    check(status == 200 and answer.get("tasks_waiting") == 0, f"/sante/ after the work: {answer}")


def assert_done_by_worker(args, job) -> None:
    from django_scopes import scope
    from django_tasks_db.models import DBTaskResult

    from coope.people.models import Person

    with scope(cooperation=job.cooperation_id):
        people = Person.objects.filter(cooperation=job.cooperation_id).count()
    check(people == args.rows, f"{people} people in the database")
    tasks = [t for t in DBTaskResult.objects.all() if t.args_kwargs.get("args") == [job.pk]]
    names = sorted(t.task_path.rsplit(".", 1)[-1] for t in tasks)
    check(names == ["check_import", "run_import_job"], f"two tasks for the job: {names}")
    for task in tasks:
        check(
            task.status == "SUCCESSFUL" and args.worker_id in task.worker_ids,
            f"{task.task_path.rsplit('.', 1)[-1]} run by worker {args.worker_id}",
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--username")
    parser.add_argument("--password-env", default="SMOKE_PASSWORD")
    parser.add_argument("--worker-id", default="")
    parser.add_argument("--rows", type=int, default=2500)
    parser.add_argument("--expect-worker", choices=["absent"], help="only check /sante/")
    args = parser.parse_args()
    try:
        if args.expect_worker:
            status, answer = wait_for_health(Browser(args.base), args.expect_worker, 45)
            check(
                status == 503 and answer.get("worker") == "absent",
                f"/sante/ without the worker: {status} {answer}",
            )
        else:
            smoke(args)
    except Failed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    print("Smoke test passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
