"""HTTP load machinery shared by the page benchmarks (`bench search`, `bench worklists`).

A real gunicorn serves the real views on loopback; each simulated user is its own
process (threads of one Python client would fight over the GIL and charge the client's
overhead to the server), logs in like a browser (cookies + CSRF) as one of the bench
accounts, and runs its share of the probes. Nothing here knows what a page does.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import multiprocessing
import multiprocessing.queues
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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.management import call_command
from django.db import connections

from renkou.benchmarks.stats import summary_ms
from renkou.core.models import OrgUnit, User
from renkou.core.services import user_create

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Probe:
    """One request: `kind` groups the timings, `who` names the account that sends it."""

    kind: str
    method: str
    path: str
    data: dict[str, str] = field(default_factory=dict)
    who: str = "default"


def free_port() -> int:
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
        # Do not follow the redirect to the home page: it is not what is measured.
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
                raise RuntimeError(f"{probe.kind} answered {response.status}")
        return time.perf_counter() - started


@dataclass(frozen=True)
class Plan:
    """What every simulated user needs to know."""

    base: str
    accounts: dict[str, tuple[str, str]]  # who → (username, password)
    probes: list[Probe]
    users: int
    requests: int
    think_ms: int


if TYPE_CHECKING:  # the queue class is generic only to the type checker
    Results = multiprocessing.queues.Queue[tuple[str, float, str]]


def _user_loop(plan: Plan, index: int, results: Results) -> None:
    """One simulated user: run every `users`-th request of the plan, logged in as the
    probe's account (one session per account, opened on first use)."""
    sessions: dict[str, Session] = {}
    for i in range(index, plan.requests, plan.users):
        probe = plan.probes[i % len(plan.probes)]
        try:
            session = sessions.get(probe.who)
            if session is None:
                session = Session(plan.base)
                session.login(*plan.accounts[probe.who])
                sessions[probe.who] = session
            results.put((probe.kind, session.run(probe), ""))
        except Exception as exc:  # reported through the queue, not lost
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


def bench_account(*, role: str, unit: OrgUnit) -> tuple[User, str]:
    """A throw-away account of `role` at `unit` (deactivated when the run ends)."""
    password = "Bench-" + secrets.token_urlsafe(12)
    user = user_create(
        username=f"bench-{secrets.token_hex(4)}",
        password=password,
        role=role,
        org_unit=unit,
        full_name="benchmark",
    )
    return user, password


@dataclass
class LoadResult:
    timings: dict[str, list[float]]
    errors: list[str]
    wall_s: float

    @property
    def done(self) -> int:
        return sum(len(v) for v in self.timings.values())

    def summary(
        self, *, kinds: Sequence[str], users: int, workers: int, threads: int, think_ms: int
    ) -> dict[str, object]:
        """The part of a bench's JSON that every HTTP bench reports alike."""
        return {
            "users": users,
            "requests": self.done,
            "errors": len(self.errors),
            "first_errors": self.errors[:5],
            "wall_s": round(self.wall_s, 2),
            "throughput_rps": round(self.done / self.wall_s, 1) if self.wall_s else 0.0,
            "server": f"gunicorn {workers} workers x {threads} threads",
            "think_ms": think_ms,
            "all": summary_ms([t for v in self.timings.values() for t in v]),
            "by_kind": {k: summary_ms(self.timings[k]) for k in kinds if self.timings.get(k)},
            "data_dir": str(settings.DATA_DIR),
        }


def run_load(
    *,
    probes: list[Probe],
    accounts: dict[str, tuple[User, str]],
    users: int,
    requests: int,
    workers: int,
    threads: int,
    think_ms: int = 0,
) -> LoadResult:
    """Serve with gunicorn, warm up, then let `users` processes send `requests` probes."""
    # The pages reference hashed static files, as in production.
    call_command("collectstatic", interactive=False, verbosity=0)
    port = free_port()
    server = start_server(port, workers, threads)
    base = f"http://127.0.0.1:{port}"
    logins = {who: (user.username, password) for who, (user, password) in accounts.items()}
    try:
        warm: dict[str, Session] = {}
        for probe in probes[: min(30, len(probes))]:
            if probe.who not in warm:
                warm[probe.who] = Session(base)
                warm[probe.who].login(*logins[probe.who])
            warm[probe.who].run(probe)
        connections.close_all()  # children must not share the parent's DB sockets
        context = multiprocessing.get_context("fork")
        results: Results = context.Queue()
        plan = Plan(base, logins, probes, users, requests, think_ms)
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
        for user, _password in accounts.values():
            user.is_active = False
            user.save(update_fields=["is_active"])
    return LoadResult(timings=dict(timings), errors=errors, wall_s=wall)
