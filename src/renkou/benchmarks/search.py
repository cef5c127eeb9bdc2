"""`renkou bench search`: person search latency over HTTP with concurrent users.

It measures what a clerk waits for: a real gunicorn serving the real views on loopback,
N logged-in users searching at once by identity number (POST), by name (characters and
pinyin) and by household code, against whatever register the database holds.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import multiprocessing
import multiprocessing.queues
import random
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

from renkou.benchmarks.stats import summary_ms
from renkou.core.models import OrgUnit, Role, User
from renkou.core.services import user_create
from renkou.registry import identity
from renkou.registry.models import Membership, Person

KINDS = ("id", "name", "pinyin", "household")
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Probe:
    kind: str
    method: str
    path: str
    data: dict[str, str] = field(default_factory=dict)


def _sample_persons(size: int, seed: int) -> list[Person]:
    """A random sample of active persons without reading the whole table."""
    top = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rng = random.Random(seed)
    picked: list[Person] = []
    while len(picked) < size and top:
        ids = [rng.randint(1, top) for _ in range(size * 2)]
        picked += list(Person.objects.filter(pk__in=ids, status="active"))
    return picked[:size]


def build_probes(size: int, seed: int) -> list[Probe]:
    people = _sample_persons(size, seed)
    households = dict(
        Membership.objects.filter(person__in=people, left__isnull=True).values_list(
            "person_id", "household__code"
        )
    )
    probes: list[Probe] = []
    for person in people:
        if person.id_cipher:
            number = identity.id_reveal(person.id_cipher)
            probes.append(Probe("id", "POST", "/registry/persons/", {"id_number": number}))
        probes.append(Probe("name", "GET", "/registry/persons/", {"name": person.name[:2]}))
        probes.append(
            Probe("pinyin", "GET", "/registry/persons/", {"name": person.name_pinyin[:6]})
        )
        if person.pk in households:
            code = households[person.pk]
            probes.append(Probe("household", "GET", "/registry/persons/", {"household_code": code}))
    random.Random(seed).shuffle(probes)
    return probes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603  (fixed arguments, our own server)
        [
            str(gunicorn),
            "renkou.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Session:
    """One logged-in browser-like user (cookies + CSRF), stdlib only."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _open(self, request: urllib.request.Request | str) -> http.client.HTTPResponse:
        # Only ever http://127.0.0.1:<port> built by this module (no user-given URL).
        response: http.client.HTTPResponse = self.opener.open(request)
        return response

    def _csrf(self) -> str:
        for cookie in self.jar:
            if cookie.name == "csrftoken":
                return str(cookie.value)
        return ""

    def login(self, username: str, password: str) -> None:
        page = self._open(f"{self.base}/login/").read().decode()
        token = _CSRF.search(page)
        data = {"username": username, "password": password}
        data["csrfmiddlewaretoken"] = token.group(1) if token else ""
        login = urllib.request.Request(
            f"{self.base}/login/", data=urllib.parse.urlencode(data).encode()
        )
        # Do not follow the redirect to the overview: a county-wide overview is not
        # part of what this benchmark measures.
        no_redirect = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        try:
            no_redirect.open(login).read()
        except urllib.error.HTTPError as exc:
            if exc.code != 302:
                raise
        if not any(c.name == "sessionid" for c in self.jar):
            raise RuntimeError("bench user could not log in")

    def run(self, probe: Probe) -> float:
        started = time.perf_counter()
        if probe.method == "POST":
            body = dict(probe.data, csrfmiddlewaretoken=self._csrf())
            request = urllib.request.Request(
                f"{self.base}{probe.path}",
                data=urllib.parse.urlencode(body).encode(),
                headers={"Referer": f"{self.base}{probe.path}", "X-CSRFToken": self._csrf()},
            )
        else:
            query = urllib.parse.urlencode(probe.data)
            request = urllib.request.Request(f"{self.base}{probe.path}?{query}")
        with self._open(request) as response:
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{probe.kind} search answered {response.status}")
        return time.perf_counter() - started


@dataclass(frozen=True)
class Plan:
    """What every simulated user needs to know."""

    base: str
    username: str
    password: str
    probes: list[Probe]
    users: int
    requests: int
    think_ms: int


if TYPE_CHECKING:  # the queue class is generic only to the type checker
    Results = multiprocessing.queues.Queue[tuple[str, float, str]]


def _user_loop(plan: Plan, index: int, results: Results) -> None:
    """One simulated user: log in, then run every `users`-th request of the plan."""
    mine = range(index, plan.requests, plan.users)
    session = Session(plan.base)
    try:
        session.login(plan.username, plan.password)
    except Exception as exc:  # reported through the queue, not lost
        for _ in mine:
            results.put(("", 0.0, f"login: {exc}"))
        return
    for i in mine:
        probe = plan.probes[i % len(plan.probes)]
        try:
            results.put((probe.kind, session.run(probe), ""))
        except Exception as exc:
            results.put((probe.kind, 0.0, f"{probe.kind}: {exc}"))
        if plan.think_ms:
            time.sleep(plan.think_ms / 1000)


def _collect(results: Results, expected: int) -> tuple[dict[str, list[float]], list[str]]:
    timings: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    for _ in range(expected):
        kind, elapsed, error = results.get(timeout=600)
        if error:
            errors.append(error)
        else:
            timings[kind].append(elapsed)
    return timings, errors


def _bench_account() -> tuple[User, str]:
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None:
        raise RuntimeError("the database has no org units: import a register first")
    password = "Bench-" + secrets.token_urlsafe(12)
    user = user_create(
        username=f"bench-{secrets.token_hex(4)}",
        password=password,
        role=Role.COUNTY_OFFICER,
        org_unit=root,
        full_name="benchmark",
    )
    return user, password


def run_search_bench(
    *,
    users: int,
    requests: int,
    sample: int,
    seed: int,
    workers: int,
    threads: int,
    think_ms: int = 0,
) -> dict[str, object]:
    probes = build_probes(sample, seed)
    if not probes:
        raise RuntimeError("the register is empty: import or seed persons first")
    account, password = _bench_account()
    # The pages reference hashed static files, as in production.
    call_command("collectstatic", interactive=False, verbosity=0)
    port = _free_port()
    server = start_server(port, workers, threads)
    base = f"http://127.0.0.1:{port}"
    try:
        warm = Session(base)
        warm.login(account.username, password)
        for probe in probes[: min(20, len(probes))]:
            warm.run(probe)
        # One process per user: threads of one Python client fight over the GIL and
        # would charge the client's own overhead to the server's latency.
        connections.close_all()  # children must not share the parent's DB sockets
        context = multiprocessing.get_context("fork")
        results: Results = context.Queue()
        plan = Plan(base, account.username, password, probes, users, requests, think_ms)
        started = time.perf_counter()
        pool = [context.Process(target=_user_loop, args=(plan, n, results)) for n in range(users)]
        for process in pool:
            process.start()
        timings, errors = _collect(results, requests)
        for process in pool:
            process.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        account.is_active = False
        account.save(update_fields=["is_active"])
    done = sum(len(v) for v in timings.values())
    return {
        "database": connection.vendor,
        "persons": Person.objects.count(),
        "users": users,
        "requests": done,
        "errors": len(errors),
        "first_errors": errors[:5],
        "wall_s": round(wall, 2),
        "throughput_rps": round(done / wall, 1) if wall else 0.0,
        "server": f"gunicorn {workers} workers x {threads} threads",
        "think_ms": think_ms,
        "all": summary_ms([t for v in timings.values() for t in v]),
        "by_kind": {kind: summary_ms(timings[kind]) for kind in KINDS if timings[kind]},
        "data_dir": str(settings.DATA_DIR),
    }
