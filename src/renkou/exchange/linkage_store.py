"""The linkage model's trained parameters, stored in the database (LinkageModel).

Why the database and not a file under the data directory: the parameters then travel with
the register in every backup (``renkou backup``), the active row changes in the same
transaction as its audit event, and the history of models (who trained which, on what
month) stays queryable. The JSON text is stored as written and its SHA-256 is checked on
every load: a damaged or edited row is refused with a clear error, never used. So is a
model trained for other comparison levels than the code's (an older format or levels
fingerprint, see linkage.model): the error names the row and says to retrain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from renkou.core.audit import audit_record
from renkou.core.models import User
from renkou.core.roles import Cap, has_cap
from renkou.exchange.feeds import FEEDS
from renkou.exchange.models import LinkageModel
from renkou.exchange.reconcile_inputs import feed_input, register_input
from renkou.exchange.services import IntakeError, parse_month
from renkou.linkage.model import Backend, ModelError, StoredModel, Thresholds, train
from renkou.linkage.spark import SparkUnavailableError, spark_running, spark_session, spark_stop
from renkou.linkage.subjects import subjects_of

__all__ = ["active_model", "linkage_backend", "thresholds", "train_model"]


def thresholds() -> Thresholds:
    """The auto-link and review thresholds from the settings."""
    return Thresholds(auto=settings.RENKOU_LINK_AUTO, review=settings.RENKOU_LINK_REVIEW)


@contextmanager
def linkage_backend(name: str | None = None) -> Iterator[Backend]:
    """The backend named (or the settings' RENKOU_LINKAGE_BACKEND) for one run. Spark is
    started here (RENKOU_SPARK_MASTER) with its scratch directory under RENKOU_SPARK_SPOOL,
    where it also exchanges its files, and stopped when the run ends, failed or not: the
    scratch directory (shuffle files: identity data) goes with it. A session this process
    already runs is used and left running."""
    name = name or settings.RENKOU_LINKAGE_BACKEND
    if name == "duckdb":
        yield Backend("duckdb")
        return
    if name != "spark":
        raise IntakeError(f"未知的比对引擎：{name}（可选 duckdb、spark）")
    started = not spark_running()
    try:
        spark = spark_session(
            settings.RENKOU_SPARK_MASTER,
            settings.RENKOU_SPARK_DRIVER_MEMORY,
            executor_memory=settings.RENKOU_SPARK_EXECUTOR_MEMORY,
            scratch_root=settings.RENKOU_SPARK_SPOOL,
        )
    except SparkUnavailableError as exc:
        raise IntakeError(str(exc)) from exc
    try:
        yield Backend("spark", spark, spool=settings.RENKOU_SPARK_SPOOL)
    finally:
        if started:
            spark_stop(spark)


def active_model() -> tuple[LinkageModel, StoredModel] | None:
    """The active row and its parameters; None when no model was trained yet.

    Raises ModelError when the row's text does not match its hash, is not a model, or was
    trained for other comparison levels."""
    row = LinkageModel.objects.filter(is_active=True).first()
    if row is None:
        return None
    if hashlib.sha256(row.params.encode()).hexdigest() != row.sha256:
        raise ModelError(
            f"匹配模型 #{row.pk} 的参数与校验值不符（已损坏或被改动），"
            "请重新训练（renkou linkage_train）。"
        )
    try:
        return row, StoredModel.from_json(row.params)
    except ModelError as exc:
        raise ModelError(f"当前启用的匹配模型 #{row.pk}（{row.month:%Y-%m} 训练）：{exc}") from exc


def _check_actor(actor: User | None) -> None:
    if actor is None:
        return
    if not has_cap(actor, Cap.IMPORT_DATA) or actor.org_unit is None or actor.org_unit.parent_id:
        raise PermissionDenied("只有县级数据管理人员可以训练匹配模型。")


def train_model(
    *, month: str | dt.date, actor: User | None, backend: str | None = None
) -> LinkageModel:
    """Train on the register and the month's current feed rows; store the result as the
    active model (the previous one is kept, inactive). Audited as ``linkage.train``."""
    _check_actor(actor)
    first, clock = parse_month(month), time.perf_counter()
    reg = register_input()
    subjects: list[Any] = []
    for kind in FEEDS:
        fi = feed_input(kind, first)
        if not fi.row_ids:
            continue
        s = subjects_of(fi.feed)
        subjects.extend((s, i) for i in range(len(s)) if not s.newborn[i])
    if not subjects or len(reg.register) == 0:
        raise IntakeError(f"{first:%Y-%m} 没有可用于训练的部门数据或底册为空。")
    with linkage_backend(backend) as engine:
        try:
            model = train(reg.register, subjects, backend=engine)
        except ModelError as exc:
            raise IntakeError(str(exc)) from exc
    summary = {**model.summary, "seconds": round(time.perf_counter() - clock, 3)}
    stored = StoredModel(splink=model.splink, summary=summary, levels=model.levels)
    text = stored.to_json()
    with transaction.atomic():
        LinkageModel.objects.select_for_update().filter(is_active=True).update(is_active=False)
        row = LinkageModel.objects.create(
            created_by=actor,
            month=first,
            backend=engine.name,
            params=text,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            summary=summary,
            is_active=True,
        )
        audit_record(
            action="linkage.train", actor=actor, object_type="linkagemodel", object_id=row.pk,
            detail={"month": f"{first:%Y-%m}", "backend": engine.name,
                    "register_rows": int(summary.get("register_rows", 0)),
                    "feed_subjects": int(summary.get("feed_subjects", 0)),
                    "sha256": row.sha256},
        )  # fmt: skip
    return row
