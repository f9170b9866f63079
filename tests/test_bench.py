"""`make bench` runs end to end at a tiny size and leaves no database behind."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.needs_postgres
def test_the_benchmark_seeds_times_every_page_and_drops_its_database():
    server = settings.DATABASES["default"]
    # Named after the test database, so that two checkouts on one server never share it.
    name = f"{server['NAME']}_bench"
    url = urlunsplit(
        urlsplit(f"postgres://{server['USER']}@{server['HOST']}:{server['PORT']}/")._replace(
            path=f"/{name}"
        )
    )
    env = {
        **os.environ,
        "BENCH_DATABASE_URL": url,
        "BENCH_MEMBERS": "30",
        "BENCH_EVENTS": "120",
        "BENCH_INVITATIONS": "10",
        "BENCH_GROUPS": "15",
        "BENCH_USER_ORGS": "12",
        "BENCH_RUNS": "1",
        "BENCH_PORT": os.environ.get("BENCH_PORT", "8123"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    done = subprocess.run(
        [sys.executable, "bench/run.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout
    for page in (
        "members, last page",
        "audit log, oldest page",
        "children, a deep subtree",
        "your orga",
    ):
        assert page in table
    assert "Bench database dropped." in table
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres"))) as conn:
        left = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    assert left is None
