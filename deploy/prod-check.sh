#!/usr/bin/env bash
# make prod-check: Coopé as production runs it, on PostgreSQL, then a smoke test through it.
#
# A fresh database (PRODCHECK_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/
# coope_prodcheck; its name must contain "prodcheck": it is dropped and created again), production
# mode with generated keys; migrate, collectstatic, `coope check --deploy --fail-level WARNING`;
# gunicorn (deploy/gunicorn.conf.py) on a free port and `coope worker` in the background; a
# cooperation created by `coope cooperation create`; deploy/smoke.py; then the worker is stopped
# and /sante/ must say 503 « absent »; both processes stop on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

DB_URL=${PRODCHECK_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/coope_prodcheck}
DB_NAME=$($BIN/python -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).path.lstrip("/"))' "$DB_URL")
ADMIN_URL=$($BIN/python -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1])._replace(path="/postgres").geturl())' "$DB_URL")
case "$DB_NAME" in
  *prodcheck*) ;;
  *) echo "prod-check drops its database: PRODCHECK_DATABASE_URL must name one containing 'prodcheck' (got '$DB_NAME')." >&2; exit 2 ;;
esac

WORK=$(mktemp -d -t coope-prodcheck.XXXXXX)
WEB_PID="" WORKER_PID=""
stop() {
  local code=$?
  for pid in $WORKER_PID $WEB_PID; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $WORKER_PID $WEB_PID; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "$code" != 0 ]; then
    echo "== prod-check FAILED; last lines of the logs:" >&2
    tail -n 40 "$WORK/web.log" "$WORK/worker.log" >&2 || true
  fi
  rm -rf "$WORK"
  exit "$code"
}
trap stop EXIT INT TERM

echo "== database $DB_NAME (dropped and created again)"
psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)"
psql -q "$ADMIN_URL" -c "CREATE DATABASE \"$DB_NAME\""

export COOPE_ENV=production DATABASE_URL="$DB_URL"
export SECRET_KEY=$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(50))')
export ENCRYPTION_KEY=$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(32))')
export ALLOWED_HOSTS=127.0.0.1,localhost
export COOPE_IMPORT_DIR="$WORK/imports" LOG_LEVEL=WARNING
# Static files and the cache in the check's own folder: the working tree's var/ is left alone.
export STATIC_ROOT="$WORK/static" CACHE_DIR="$WORK/cache"
unset DEBUG TASKS_BACKEND

echo "== migrate, collectstatic, check --deploy"
SECONDS=0
$BIN/coope migrate --noinput >"$WORK/migrate.log"
echo "   migrate: ${SECONDS}s"
$BIN/coope collectstatic --noinput | tail -n 1
# Every warning fails (W021, HSTS preload, is silenced by the settings unless asked for).
$BIN/coope check --deploy --fail-level WARNING | tail -n 1

echo "== a cooperation and its director"
SMOKE_PASSWORD=$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(16))')
export SMOKE_PASSWORD
echo "$SMOKE_PASSWORD" | $BIN/coope cooperation create --slug prodcheck --name "Coopération d'essai" \
  --association "Centre social d'essai" --director-username direction-essai \
  --director-email direction@example.org --password-stdin

PORT=$($BIN/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
WORKER_ID="prodcheck-$$"
echo "== gunicorn on 127.0.0.1:$PORT and the worker $WORKER_ID"
GUNICORN_BIND=127.0.0.1:$PORT GUNICORN_WORKERS=${GUNICORN_WORKERS:-2} \
  $BIN/gunicorn -c deploy/gunicorn.conf.py >"$WORK/web.log" 2>&1 &
WEB_PID=$!
$BIN/coope worker --worker-id "$WORKER_ID" --interval 0.5 --no-startup-delay >"$WORK/worker.log" 2>&1 &
WORKER_PID=$!
for _ in $(seq 120); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/sante/" && break
  sleep 0.5
done

rss() {  # resident memory of a process and its children, in MB: the total (each process)
  ps -o rss= --pid "$1" --ppid "$1" |
    awk '{s += $1; each = each sep sprintf("%.0f", $1 / 1024); sep = " + "} END {printf "%.0f (%s)", s / 1024, each}'
}
sleep 2
echo "== memory at idle (RSS): gunicorn, master + ${GUNICORN_WORKERS:-2} workers, $(rss $WEB_PID) MB; worker $(rss $WORKER_PID) MB"

echo "== smoke test"
$BIN/python deploy/smoke.py --base "http://127.0.0.1:$PORT" --username direction-essai \
  --password-env SMOKE_PASSWORD --worker-id "$WORKER_ID"
echo "== memory after the import (RSS): gunicorn $(rss $WEB_PID) MB; worker $(rss $WORKER_PID) MB"

echo "== the worker stops: /sante/ says so"
kill -TERM "$WORKER_PID"
wait "$WORKER_PID" || { echo "the worker did not stop cleanly" >&2; exit 1; }
WORKER_PID=""
$BIN/python deploy/smoke.py --base "http://127.0.0.1:$PORT" --expect-worker absent
echo "== prod-check passed"
