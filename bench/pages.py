"""The pages of the front desk and of the admin at 10,000 and 100,000 people, served by gunicorn.

    .venv/bin/python bench/pages.py                      # SQLite (var/bench_pages_*.sqlite3)
    .venv/bin/python bench/pages.py --database postgres  # PostgreSQL (coope_bench_pages_*)
    .venv/bin/python bench/pages.py --sizes 10000 --repeat 5   # a quick look

For each size, a database of its own is migrated with the current code, filled once with the
"bench" cooperation (bench/pages_data.py; reused when present) and analysed. The app is then
served by gunicorn with one worker (deploy/gunicorn.conf.py, DEBUG off, persistent connections
as in deploy/coope.env.example), a director's session is opened, and each page is asked
`--repeat` times over HTTP, the pages alternated: the front-desk search (several typed
queries), a person record, a household record, the admin's people list (page 1), the renewals
list (first page) and its whole export (CSV), the card check.

In the same run:
- the queries of each page, counted in-process with Django's test client (the most of its
  variants);
- a baseline per page: hand-written SQL fetching the same rows (checked: same ids), timed
  in-process; the script reads its plan (EXPLAIN / EXPLAIN QUERY PLAN) and stops when a big
  table is read whole where an index could serve, unless the baseline says why no index can.

Prints one Markdown table per database, ready for bench/README.md, and saves the figures as
JSON (--json).
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "search": "front-desk search",
    "person": "person record",
    "household": "household record",
    "admin": "people list (admin), page 1",
    "renewals": "renewals list, first page",
    "export": "renewals, whole export (CSV)",
    "card": "card check",
}
# Done-when of issue 14: these pages under 30 ms median with at most 12 queries, flat within x1.3.
BOUNDED = ("person", "household", "renewals", "export", "card")


def database_url(database: str, people: int) -> str:
    label = f"{people // 1000}k"
    if database == "sqlite":
        return f"sqlite:///{ROOT / 'var' / f'bench_pages_{label}.sqlite3'}"
    base = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    return f"{base}/coope_bench_pages_{label}"


# -- the parent: one child process per database and size, then the tables ----------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--sizes", default="10000,100000", help="people, comma-separated")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", help="file to save the figures in (default var/)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--people", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        from bench.pages_child import run  # Django is set up there, on the child's database

        print("RESULT " + json.dumps(run(args.people, args.repeat)), flush=True)
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    results = {}
    for people in sizes:
        url = database_url(args.database, people)
        print(f"== {args.database}, {people} personnes ({url})", flush=True)
        env = os.environ | {"DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        child = subprocess.Popen(  # noqa: S603 (our own script)
            [sys.executable, __file__, "--child", "--people", str(people)]
            + ["--repeat", str(args.repeat)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        last = ""
        for line in child.stdout or ():
            last = line
            if not line.startswith("RESULT "):
                print(line, end="", flush=True)
        if child.wait() or not last.startswith("RESULT "):
            raise SystemExit(f"la mesure à {people} personnes a échoué ({child.returncode})")
        results[people] = json.loads(last.removeprefix("RESULT "))
    saved = Path(args.json or ROOT / "var" / f"bench_pages_{args.database}.json")
    saved.write_text(json.dumps(results, indent=1))
    print()
    print(table(args.database, results))
    print(f"\n(chiffres enregistrés dans {saved})")


def ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def table(database: str, results: dict) -> str:
    sizes = sorted(results)
    small, large = results[sizes[0]], results[sizes[-1]]
    head = (
        f"| {database}: page | queries {' / '.join(f'{s // 1000}k' for s in sizes)} "
        f"| median {sizes[0] // 1000}k | median / p95 {sizes[-1] // 1000}k | growth "
        f"| raw SQL median {sizes[-1] // 1000}k | page / raw SQL (median / p95) | done |"
    )
    lines = [head, "|" + "---|" * 8]
    for key, title in PAGES.items():
        page_s, page_l = small["pages"][key], large["pages"][key]
        base = large["baselines"][key]
        growth = page_l["median"] / page_s["median"]
        queries = " / ".join(str(results[s]["pages"][key]["queries"]) for s in sizes)
        worst_queries = max(results[s]["pages"][key]["queries"] for s in sizes)
        if key in BOUNDED:
            done = page_l["median"] < 30 and worst_queries <= 12 and growth <= 1.3
        elif key == "search":
            query = large["search_query"]
            done = query["search"]["p95"] <= 1.5 * query["exact"]["p95"]
        else:
            done = None
        lines.append(
            f"| {title} | {queries} | {ms(page_s['median'])} ms "
            f"| {ms(page_l['median'])} / {ms(page_l['p95'])} ms | x{growth:.2f} "
            f"| {base['median']:.2f} ms{'*' if base['note'] else ''} "
            f"| x{page_l['median'] / base['median']:.0f} / x{page_l['p95'] / base['p95']:.0f} "
            f"| {'—' if done is None else 'yes' if done else 'no'} |"
        )
    lines.append(
        "\nThe search itself (its queryset, in-process, "
        + ", ".join(
            f"{s // 1000}k: p95 {ms(results[s]['search_query']['search']['p95'])} ms against "
            f"{ms(results[s]['search_query']['exact']['p95'])} ms, "
            f"x{results[s]['search_query']['search']['p95'] / results[s]['search_query']['exact']['p95']:.1f}"
            for s in sizes
            if "search_query" in results[s]
        )
        + ") against an index-served exact lookup of the same rows (`search_name IN (…)`): "
        'the search\'s "done" is this p95 within x1.5.'
    )
    lines.append(
        "\nThe whole export grows with its rows: "
        + ", ".join(
            f"{s // 1000}k: {results[s]['pages']['export']['median'] / results[s]['rows']['renewals'] * 1000:.0f} ms "
            f"per 1,000 rows ({results[s]['rows']['renewals']:,} rows)"
            for s in sizes
        )
        + "."
    )
    notes = {large["baselines"][k]["note"] for k in PAGES if large["baselines"][k]["note"]}
    lines += [f"\n\\* {note}" for note in sorted(notes)]
    rows = large["rows"]
    lines.append(
        f"\nAt {sizes[-1]:,} people: {rows['households']:,} households, "
        f"{rows['memberships']:,} memberships, {rows['renewals']:,} memberships to renew; "
        f"{large['machine']}."
    )
    return "\n".join(lines)


# -- helpers shared with the child -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def summary(samples: list[float]) -> dict:
    return {"median": statistics.median(samples), "p95": p95(samples), "n": len(samples)}


if __name__ == "__main__":
    main()
