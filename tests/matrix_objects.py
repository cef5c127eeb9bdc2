"""Test objects of each scoped kind for the generated permission-matrix tests.

Each factory makes one object inside 大官庄村 (in scope for the officer, the clerk and
head of 榴园镇 and the county; outside for other_officer and other_clerk) and
returns its primary key.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Cast

FACTORIES: dict[str, Callable[[Cast], int]] = {}


def _user(cast: Cast) -> int:
    return cast.users["officer"].pk


FACTORIES["user"] = _user


def _changereport(cast: Cast) -> int:
    from tests.changereport_factories import matrix_changereport

    return matrix_changereport(cast)


FACTORIES["changereport"] = _changereport


def _later_kinds() -> None:
    from tests.duplicates_factories import MATRIX_FACTORIES

    FACTORIES.update(MATRIX_FACTORIES)  # "duplicate", "merge", "transfer"


_later_kinds()


def _worklist_kinds() -> None:
    from tests.worklists_factories import MATRIX_FACTORIES

    FACTORIES.update(MATRIX_FACTORIES)  # "workitem", "review", "savedfilter"


_worklist_kinds()


def _programme_kinds() -> None:
    from tests.programmes.nfpcp_factories import MATRIX_FACTORIES

    FACTORIES.update(MATRIX_FACTORIES)  # "nfpcp", "contraception"


_programme_kinds()


def _linkreview_kinds() -> None:
    from tests.linkreview_factories import MATRIX_FACTORIES

    FACTORIES.update(MATRIX_FACTORIES)  # "feedlink", "discrepancy"


_linkreview_kinds()


def _exchange_kinds() -> None:
    from tests.exchange_web_factories import MATRIX_FACTORIES

    FACTORIES.update(MATRIX_FACTORIES)  # "job"


_exchange_kinds()


def _campaign_kinds() -> None:
    from tests.campaigns_factories import MATRIX_FACTORIES

    FACTORIES.update(MATRIX_FACTORIES)  # "campaign"


_campaign_kinds()
