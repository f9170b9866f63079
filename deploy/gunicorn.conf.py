"""gunicorn settings for Orgportal; every value can be changed from the environment.

    gunicorn -c deploy/gunicorn.conf.py

Threaded workers (gthread): a request waiting on PostgreSQL, Redis or SMTP holds a
thread, not a whole process. Each thread keeps its own database connection
(CONN_MAX_AGE), so PostgreSQL needs `workers x threads` connections per server, plus
the Celery workers'.
"""

import multiprocessing
import os
from pathlib import Path

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A request that takes longer is killed and its worker replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Workers are replaced now and then, so a slow leak never grows for ever; not often,
# since a new worker starts cold (templates compiled, URLs reversed, SQL statements
# written and prepared again, a new database connection).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "2000"))
# Heartbeat files in memory, not on a disk that may stall.
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"
# The portal writes one line per request itself (with its request id, and without the
# secrets some URLs carry), so gunicorn's access log stays off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Only the local proxy may say which scheme the client used.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "orgportal"


def on_starting(server):
    """The metrics directory must exist before a worker counts anything."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """A dead worker's gauges leave the sums; its counters stay counted."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
