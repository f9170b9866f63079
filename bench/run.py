"""`make bench`: seed a separate PostgreSQL database at scale, time the key pages, drop it.

Sizes come from the environment (defaults in brackets):
  BENCH_MEMBERS [10000]      members of the org `big`
  BENCH_EVENTS [100000]      audit events of `big`
  BENCH_INVITATIONS [10000]  pending invitations of the org `inviting`
  BENCH_GROUPS [1000]        nested groups under the reseller `reseller`
  BENCH_USER_ORGS [1000]     orgs the user `many@bench.test` belongs to
  BENCH_RUNS [30]            timed requests per page
  BENCH_DATABASE_URL [postgres://postgres@127.0.0.1:5432/orgportal_bench]

  BENCH_PORT [8123]          where gunicorn listens for the wrk step
  BENCH_GUNICORN [sync,gthread]  the gunicorn worker classes to compare (2 workers each)
  BENCH_THREADS [4]          threads of a gthread worker
  BENCH_WRK_SECONDS [5]      how long wrk loads each page

The Management API's list endpoints are timed too, with a platform client's token (its
rate limit raised for the run, so the limiter is still consulted on every request).

It prints one row per page (median and p95 server time in-process; the median CPU time
of this process, which another job on the box inflates less than the wall clock;
queries; kB), then,
when `wrk` is on the PATH, the requests per second of the key pages behind gunicorn
with two workers of each class. The database is dropped at the end, even after an
error.
"""

import gc
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/orgportal_bench"
)
SIZES = {
    "members": int(os.environ.get("BENCH_MEMBERS", 10_000)),
    "events": int(os.environ.get("BENCH_EVENTS", 100_000)),
    "invitations": int(os.environ.get("BENCH_INVITATIONS", 10_000)),
    "groups": int(os.environ.get("BENCH_GROUPS", 1_000)),
    "user_orgs": int(os.environ.get("BENCH_USER_ORGS", 1_000)),
}
RUNS = int(os.environ.get("BENCH_RUNS", 30))
PORT = int(os.environ.get("BENCH_PORT", 8123))
STATIC_ROOT = tempfile.mkdtemp(prefix="orgportal-bench-static-")

os.environ.update(
    DATABASE_URL=DATABASE_URL,
    DJANGO_SETTINGS_MODULE="config.settings",
    DJANGO_DEBUG="false",
    DJANGO_SECRET_KEY="bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
    DJANGO_ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
    DJANGO_SECURE_SSL_REDIRECT="false",
    DJANGO_SECURE_COOKIES="false",
    DJANGO_STATIC_ROOT=STATIC_ROOT,
)
os.environ["API_RATE_LIMIT"] = str(10**9)
os.environ.pop("REDIS_URL", None)
os.environ.pop("REDIS_CACHE_URL", None)
sys.path.insert(0, str(ROOT))


def _admin_url() -> str:
    parts = urlsplit(DATABASE_URL)
    return urlunsplit(parts._replace(path="/postgres"))


def _db_name() -> str:
    return urlsplit(DATABASE_URL).path.strip("/")


def create_database() -> None:
    import psycopg

    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{_db_name()}"')
        conn.execute(f'CREATE DATABASE "{_db_name()}"')


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{_db_name()}" WITH (FORCE)')


def seed() -> dict:
    """Rows through the models, in bulk; returns the names the pages need."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from invitations.models import Invitation
    from invitations.tokens import generate_token
    from organizations.models import AuditEvent, Membership, Organization, Team

    User = get_user_model()
    password = make_password("bench")
    now = datetime.now(UTC)

    def users(prefix: str, count: int):
        return User.objects.bulk_create(
            (
                User(email=f"{prefix}{i}@bench.test", password=password, first_name=f"U{i}")
                for i in range(count)
            ),
            batch_size=5000,
        )

    owner = User.objects.create(email="owner@bench.test", password=password, first_name="Olive")
    big = Organization.objects.create(
        name="big", display_name="Big Org", created_by=owner, user_seat_limit=10**6
    )
    Membership.objects.create(organization=big, user=owner, role="owner")
    everyone = Team.objects.create(organization=big, name="Everyone", is_default=True)
    members = Membership.objects.bulk_create(
        (Membership(organization=big, user=u, role="member") for u in users("m", SIZES["members"])),
        batch_size=5000,
    )
    everyone.members.through.objects.bulk_create(
        (everyone.members.through(team_id=everyone.pk, membership_id=m.pk) for m in members),
        batch_size=5000,
    )
    AuditEvent.objects.bulk_create(
        (
            AuditEvent(
                organization=big,
                org_name=big.name,
                org_public_id=big.public_id,
                actor=owner,
                actor_email=owner.email,
                action=("team.create", "member.invite", "org.edit")[i % 3],
                target=f"t{i}",
                detail={"i": i},
            )
            for i in range(SIZES["events"])
        ),
        batch_size=10_000,
    )

    inviting = Organization.objects.create(
        name="inviting", display_name="Inviting Org", created_by=owner, user_seat_limit=10**6
    )
    Membership.objects.create(organization=inviting, user=owner, role="owner")
    Invitation.objects.bulk_create(
        (
            Invitation(
                organization=inviting,
                email=f"invitee{i}@bench.test",
                invited_by=owner,
                token_hash=generate_token()[1],
                expires_at=now + timedelta(days=7),
                send_count=1,
                last_sent_at=now,
            )
            for i in range(SIZES["invitations"])
        ),
        batch_size=5000,
    )

    reseller = Organization.objects.create(
        name="reseller",
        display_name="Reseller",
        created_by=owner,
        is_reseller=True,
        user_seat_limit=10**6,
        device_seat_limit=10**6,
    )
    Membership.objects.create(organization=reseller, user=owner, role="owner")
    # Ten top-level groups, each a chain of nested groups below it.
    parents = [reseller] * 10
    made = 0
    depth = 0
    while made < SIZES["groups"]:
        level = []
        for i, parent in enumerate(parents):
            if made >= SIZES["groups"]:
                break
            level.append(
                Organization(
                    name=f"g{depth}-{i}",
                    display_name=f"Group {depth}-{i}",
                    kind="group",
                    parent=parent,
                    created_by=owner,
                    user_seat_limit=1,
                )
            )
            made += 1
        parents = Organization.objects.bulk_create(level)
        depth += 1

    many = User.objects.create(email="many@bench.test", password=password, first_name="Mona")
    orgs = Organization.objects.bulk_create(
        (
            Organization(name=f"o{i}", display_name=f"Org {i:05d}", created_by=owner)
            for i in range(SIZES["user_orgs"])
        ),
        batch_size=5000,
    )
    Membership.objects.bulk_create(
        (Membership(organization=o, user=many, role="owner") for o in orgs), batch_size=5000
    )
    Membership.objects.create(organization=big, user=many, role="member")
    oldest = AuditEvent.objects.filter(organization=big).order_by("created_at", "id")[50]

    from api import clients
    from api.scopes import ALL_SCOPES

    staff = User.objects.create_superuser(email="staff@bench.test", password="bench")
    api_client, secret = clients.create_platform_client(
        actor=staff, name="Bench", scopes=list(ALL_SCOPES)
    )
    return {
        "owner": owner,
        "many": many,
        "oldest": oldest,
        "big": big.public_id,
        "inviting": inviting.public_id,
        "api_client": (api_client.client_id, secret),
    }


def measure(client, url: str) -> tuple[float, float, float, int, float]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    # Each request empties the query log as it starts; start the capture from empty too.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    query_count = len(queries.captured_queries)  # before the next request empties the log
    size = (
        len(b"".join(response.streaming_content)) if response.streaming else len(response.content)
    )
    timings, cpu = [], []
    for _ in range(RUNS):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    timings.sort()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    return statistics.median(timings), p95, statistics.median(cpu), query_count, size / 1024


def pages(names: dict) -> list[tuple[str, str, str]]:
    from organizations.audit_log import ORDER

    oldest = ORDER.cursor(names["oldest"])
    deep = max(0, min(40, (SIZES["groups"] - 1) // 10 - 1))  # a group 40 levels down
    deepest = max(0, (SIZES["groups"] - 4) // 10)  # the end of the fourth chain
    return [
        ("owner", "dashboard (10k members)", "/o/big/"),
        ("owner", "members page 1", "/o/big/members/"),
        ("owner", "members, last page", "/o/big/members/?page=last"),
        ("owner", "members search", "/o/big/members/?q=m99"),
        ("owner", "teams", "/o/big/teams/"),
        ("owner", "structure", "/o/big/structure/"),
        ("owner", "audit log, newest", "/o/big/audit/"),
        ("owner", "audit log, oldest page", "/o/big/audit/?page=last"),
        ("owner", "audit log, from a cursor", f"/o/big/audit/?before={oldest}"),
        ("owner", "audit log, filtered", "/o/big/audit/?action=org.edit"),
        ("owner", "audit log, a rare action", "/o/big/audit/?action=member.remove"),
        ("owner", "audit log, another actor", "/o/big/audit/?actor=nobody%40bench.test"),
        ("owner", "invitations (10k pending)", "/o/inviting/invitations/"),
        ("owner", "invitations, last page", "/o/inviting/invitations/?page=last"),
        ("owner", "children, top level", "/o/reseller/children/"),
        ("owner", "children, a deep subtree", f"/o/reseller/children/?under=g{deep}-3"),
        ("owner", "children, search", "/o/reseller/children/?q=Group+7"),
        ("owner", "children, the deepest subtree", f"/o/reseller/children/?under=g{deepest}-3"),
        ("owner", "children, search below a group", "/o/g0-3/children/?q=Group+7"),
        ("many", "dashboard, user in many orgs", "/o/big/"),
        ("many", "your organizations", "/orgs/"),
        ("many", "your organizations, search", "/orgs/?q=Org+00042"),
        ("api", "API organizations (2k)", "/api/v2/organizations?per_page=50"),
        ("api", "API members (10k)", f"/api/v2/organizations/{names['big']}/members"),
        (
            "api",
            "API invitations (10k)",
            f"/api/v2/organizations/{names['inviting']}/invitations",
        ),
    ]


def api_token(client_id: str, secret: str) -> str:
    from django.test import Client

    response = Client().post(
        "/oauth/token",
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def in_process(names: dict) -> tuple[str, str]:
    from django.test import Client

    clients = {}
    for who in ("owner", "many"):
        clients[who] = Client()
        clients[who].force_login(names[who])
    token = api_token(*names["api_client"])
    clients["api"] = Client(headers={"Authorization": f"Bearer {token}"})
    print(f"\n{'page':34} {'median ms':>10} {'p95 ms':>8} {'cpu ms':>8} {'queries':>8} {'kB':>8}")
    print("-" * 81)
    for who, label, url in pages(names):
        median, p95, cpu, queries, kb = measure(clients[who], url)
        print(f"{label:34} {median:10.1f} {p95:8.1f} {cpu:8.1f} {queries:8d} {kb:8.1f}")
    return clients["owner"].cookies["sessionid"].value, token


def http_pages(names: dict) -> list[tuple[str, str, bool]]:
    """(label, path, whether it is an API call) of the pages loaded over HTTP."""
    return [
        ("dashboard", "/o/big/", False),
        ("members page", "/o/big/members/", False),
        ("audit log", "/o/big/audit/", False),
        ("API members list", f"/api/v2/organizations/{names['big']}/members", True),
    ]


def gunicorn_configs() -> list[tuple[str, list[str]]]:
    """The gunicorn set-ups to compare, from BENCH_GUNICORN ("sync,gthread" by default):
    two workers each; gthread workers run BENCH_THREADS (4) threads."""
    threads = os.environ.get("BENCH_THREADS", "4")
    known = {
        "sync": ("2 sync workers", ["--workers", "2", "--worker-class", "sync"]),
        "gthread": (
            f"2 gthread workers x {threads}",
            ["--workers", "2", "--worker-class", "gthread", "--threads", threads],
        ),
    }
    wanted = os.environ.get("BENCH_GUNICORN", "sync,gthread").split(",")
    return [known[name.strip()] for name in wanted if name.strip() in known]


def _wrk(url: str, header: str) -> str:
    result = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{os.environ.get('BENCH_WRK_SECONDS', '5')}s", "-H", header, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = next(line.split()[1] for line in result.splitlines() if line.startswith("Requests/sec"))
    non_2xx = [line.strip() for line in result.splitlines() if "Non-2xx" in line]
    return f"{float(rate):.0f}" + (" (errors)" if non_2xx else "")


def over_http(names: dict, session_cookie: str, token: str) -> None:
    if shutil.which("wrk") is None:
        print("\nwrk is not installed: skipping requests per second (apt-get install wrk).")
        return
    columns = []
    for label, options in gunicorn_configs():
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            *options,
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            "config.wsgi",
        ]
        # The request log lines go to a file, as they go to the journal in production.
        server_log = open(Path(STATIC_ROOT) / "gunicorn.log", "ab")  # noqa: SIM115
        server = subprocess.Popen(
            gunicorn, cwd=ROOT, start_new_session=True, stdout=server_log, stderr=server_log
        )
        try:
            time.sleep(3)
            rates = []
            for _, path, is_api in http_pages(names):
                url = f"http://127.0.0.1:{PORT}{path}"
                header = (
                    f"Authorization: Bearer {token}"
                    if is_api
                    else f"Cookie: sessionid={session_cookie}"
                )
                warm = ["wrk", "-t1", "-c2", "-d1s", "-H", header, url]
                subprocess.run(warm, capture_output=True)
                rates.append(_wrk(url, header))
            columns.append((label, rates))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
            server_log.close()
    print(
        f"\n{'req/s over HTTP (gunicorn, wrk -t2 -c16)':42}"
        + "".join(f"{c[0]:>24}" for c in columns)
    )
    print("-" * (42 + 24 * len(columns)))
    for i, (label, _, _) in enumerate(http_pages(names)):
        print(f"{label:42}" + "".join(f"{c[1][i]:>24}" for c in columns))


def main() -> None:
    create_database()
    try:
        import django

        django.setup()
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        names = seed()
        from django.db import connection

        with connection.cursor() as cursor:
            # The statistics and the visibility map autovacuum keeps in production (the
            # latter lets counts read the index alone).
            cursor.execute("VACUUM ANALYZE")
        # A serving process holds none of the seeding's objects: leave them out of the
        # garbage collector's walks, as a fresh worker would.
        gc.collect()
        gc.freeze()
        sizes = ", ".join(f"{k}={v:,}" for k, v in SIZES.items())
        print(f"Seeded {sizes} in {time.perf_counter() - started:.1f}s; {RUNS} runs a page.")
        session_cookie, token = in_process(names)
        over_http(names, session_cookie, token)
    finally:
        drop_database()
        shutil.rmtree(STATIC_ROOT, ignore_errors=True)
        print("\nBench database dropped.")


if __name__ == "__main__":
    main()
