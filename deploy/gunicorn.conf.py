"""gunicorn's configuration for Coopé: `gunicorn -c deploy/gunicorn.conf.py`.

Everything can be set from the environment (the systemd unit reads /etc/coope/coope.env):
GUNICORN_BIND (default 127.0.0.1:8000, behind the reverse proxy), GUNICORN_WORKERS (default
2 × processors + 1, at most 8), GUNICORN_TIMEOUT (seconds, default 60: imports of more than
2,000 rows run in the worker, not in a request), GUNICORN_MAX_REQUESTS (a worker is replaced after
this many requests, default 1000, so memory cannot creep), GUNICORN_ACCESS_LOG ("-" for the
journal, default; "" for none).

The access log shows the path without its query string: searches (`?q=Dupont`) name people.
The referrer is left out for the same reason.
"""

import multiprocessing
import os

wsgi_app = "coope.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 1000))
max_requests_jitter = max_requests // 10
# The application is loaded once, before the workers fork: they share its memory pages, and
# an import error stops the start instead of each worker failing.
preload_app = True
# The reverse proxy on the same machine says whether the visitor came over HTTPS.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "coope-web"
# No control socket (gunicornc): it would be made in the home directory, which the systemd
# unit keeps read-only; systemctl reload (HUP) and stop do what it would.
control_socket_disable = True
