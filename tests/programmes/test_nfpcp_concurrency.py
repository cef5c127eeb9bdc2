"""Slip numbers under concurrent registration (PostgreSQL: real row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from renkou.programmes.models import NfpcpCheck
from tests.conftest import Cast
from tests.programmes.nfpcp_factories import make_couple, register

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_registrations_get_distinct_gap_free_numbers(cast: Cast) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are what is tested; SQLite serialises every writer anyway")
    couples = [make_couple(cast.village) for _ in range(6)]
    clerk = cast.users["clerk"]
    barrier = threading.Barrier(len(couples))
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            register(couples[index], clerk)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(couples))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    serials = sorted(
        int(n.rsplit("-", 1)[1]) for n in NfpcpCheck.objects.values_list("slip_number", flat=True)
    )
    assert serials == list(range(1, len(couples) + 1))
