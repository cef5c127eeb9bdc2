"""Reconciling with the stored linkage model: training, pending review links, refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from renkou.core.models import AuditEvent
from renkou.exchange.linkage_store import active_model, train_model
from renkou.exchange.models import FeedLink, LinkageModel
from renkou.exchange.reconcile import reconcile_month
from renkou.exchange.services import IntakeError, feed_import
from renkou.linkage.model import LEVELS
from renkou.linkage.spark import java_available
from renkou.registry.importer import register_import
from renkou.registry.importer.orgunits import orgunits_import
from renkou.synth import Manifest, generate

pytestmark = pytest.mark.django_db
KINDS = ("police", "birth_cert", "marriage", "pupil")


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate(
        people=3000, seed=7, out_dir=tmp_path_factory.mktemp("county"), months=1, noise=3.0
    )


@pytest.fixture
def loaded(county: Manifest, tmp_path: Path, settings: Any) -> Manifest:
    settings.DATA_DIR = tmp_path / "data"
    orgunits_import(path=county.out_dir / "orgunits.csv", actor=None)
    result = register_import(path=county.out_dir / "register.csv", actor=None, accept_valid=True)
    assert result.status == "applied"
    for kind in KINDS:
        path = county.out_dir / "feeds" / "2026-01" / f"{kind}.csv"
        assert feed_import(kind=kind, path=path, month="2026-01", actor=None, accept_valid=True)
    return county


def test_train_store_and_reconcile_with_the_model(
    loaded: Manifest, capsys: pytest.CaptureFixture[str]
) -> None:
    without = reconcile_month(month="2026-01", actor=None)
    assert without.model == ""
    assert "probabilistic" not in without.by_method
    call_command("linkage_train", "--month", "2026-01", "--json")
    out = json.loads(capsys.readouterr().out)
    row = LinkageModel.objects.get()
    assert out["sha256"] == row.sha256
    assert row.is_active
    assert row.summary["register_rows"] > 0
    assert row.summary["feed_subjects"] > 0
    assert AuditEvent.objects.filter(action="linkage.train").count() == 1
    summary = reconcile_month(month="2026-01", actor=None, backend="duckdb")
    assert summary.model == row.sha256
    assert summary.by_method.get("probabilistic", 0) > 0
    assert summary.linked > without.linked
    links = FeedLink.objects.filter(run_id=summary.run_id, method="probabilistic")
    for link in links:
        assert link.person_id is not None
        assert 0.8 <= link.probability <= 1.0
        assert set(link.evidence) == set(LEVELS)
        assert all(isinstance(v, str) for v in link.evidence.values())
        assert link.review in ("", "pending")
    # A second training keeps the first model, inactive.
    second = train_model(month="2026-01", actor=None)
    assert list(LinkageModel.objects.filter(is_active=True)) == [second]
    assert LinkageModel.objects.count() == 2


def test_between_the_thresholds_links_wait_for_review(loaded: Manifest, settings: Any) -> None:
    train_model(month="2026-01", actor=None)
    settings.RENKOU_LINK_AUTO = 1.0  # nothing is certain enough: every model link waits
    settings.RENKOU_LINK_REVIEW = 0.5
    summary = reconcile_month(month="2026-01", actor=None)
    pending = FeedLink.objects.filter(run_id=summary.run_id, review="pending")
    assert summary.pending_review == pending.count() > 0
    for link in pending:
        assert link.person_id is not None  # the candidate, shown to the reviewer
        assert link.method == "probabilistic"
        assert 0.5 <= link.probability < 1.0
        assert link.evidence["name"]
        assert link.evidence["dob"]
    # Pending candidates are not links.
    assert (
        summary.linked
        == FeedLink.objects.filter(run_id=summary.run_id, person__isnull=False, review="").count()
    )


def test_corrupt_model_is_refused(loaded: Manifest) -> None:
    row = train_model(month="2026-01", actor=None)
    LinkageModel.objects.filter(pk=row.pk).update(params=row.params.replace("0.", "0.9", 1))
    with pytest.raises(IntakeError, match="校验值不符"):
        reconcile_month(month="2026-01", actor=None)
    with pytest.raises(CommandError, match="校验值不符"):
        call_command("reconcile", "--month", "2026-01")
    # Consistent hash but not a model: also refused, clearly.
    text = '{"format": "renkou-linkage-model/1", "splink": {"comparisons": []}}'
    import hashlib

    LinkageModel.objects.filter(pk=row.pk).update(
        params=text, sha256=hashlib.sha256(text.encode()).hexdigest()
    )
    with pytest.raises(Exception, match="重新训练"):
        active_model()


def test_train_refusals(loaded: Manifest) -> None:
    with pytest.raises(CommandError, match="没有可用于训练"):
        call_command("linkage_train", "--month", "2025-01")
    with pytest.raises(CommandError):
        call_command("linkage_train", "--month", "not-a-month")
    assert not LinkageModel.objects.exists()


def test_only_county_data_managers_train(cast: Any) -> None:
    with pytest.raises(PermissionDenied):
        train_model(month="2026-01", actor=cast.users["officer"])
    assert not LinkageModel.objects.exists()


@pytest.mark.skipif(not java_available(), reason="Spark needs Java (no java found)")
def test_the_spark_backend_gives_the_same_month(
    loaded: Manifest, settings: Any, tmp_path: Path
) -> None:
    """`renkou reconcile --backend spark` through the database: the same links, methods
    and review states as DuckDB from the same stored model (a Spark session in local
    mode, about half a minute); the exchange files under RENKOU_SPARK_SPOOL are gone
    afterwards."""
    settings.RENKOU_SPARK_SPOOL = tmp_path / "spool"
    train_model(month="2026-01", actor=None)

    def links(run_id: int) -> list[tuple[object, ...]]:
        rows = FeedLink.objects.filter(run_id=run_id).values_list(
            "feed_row__natural_key", "side", "person_id", "method", "review", "discrepancy"
        )
        return sorted(rows, key=str)

    duck = reconcile_month(month="2026-01", actor=None, backend="duckdb")
    expected = links(duck.run_id)
    spark = reconcile_month(month="2026-01", actor=None, backend="spark")
    assert (spark.backend, spark.model) == ("spark", duck.model)
    assert links(spark.run_id) == expected
    assert any(row[3] == "probabilistic" for row in expected)
    assert (spark.items_opened, spark.items_existing) == (0, duck.items_opened)
    assert list((tmp_path / "spool").iterdir()) == []
