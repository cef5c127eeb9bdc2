"""Row validation of the legacy register: every reason in Chinese, nothing guessed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from renkou.core import crypto
from renkou.core.intake import Row, RowError
from renkou.core.intake.cells import mask_raw
from renkou.core.models import OrgUnit
from renkou.linkage import idnumber
from renkou.registry import rules
from renkou.registry.importer import codes
from renkou.registry.importer.rules import managing_unit
from renkou.registry.importer.spec import REGISTER_SPEC
from renkou.registry.models import Relation

HASHED_FIELDS = tuple(c.field for c in REGISTER_SPEC.columns)


@dataclass
class Record:
    """One valid row, ready to write."""

    row: Row
    external_id: str
    name: str
    sex: str
    birth_date: dt.date
    info: idnumber.IdInfo | None
    ethnicity: str
    hukou_type: str
    hukou_code: str
    residence_code: str
    hukou_unit: OrgUnit | None
    residence_unit: OrgUnit | None
    org_unit: OrgUnit
    household_code: str
    household_unit: OrgUnit | None  # None: the card is kept in another county
    relation: str
    marital_status: str
    spouse_id: str
    mother_id: str
    father_id: str
    phone: str
    address: str
    source_hash: str


@dataclass
class Context:
    """Everything validation needs, loaded once (no per-row queries)."""

    units: dict[str, OrgUnit]
    county_prefixes: frozenset[str]
    today: dt.date = field(default_factory=dt.date.today)
    # Raw → normalised numbers already parsed in this file: a spouse's or a mother's
    # number is usually someone's own number, parsed a few rows earlier.
    parsed: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Context:
        units = {u.code: u for u in OrgUnit.objects.filter(valid_to__isnull=True)}
        counties = {c[:6] for c, u in units.items() if u.level == OrgUnit.Level.COUNTY}
        return cls(units=units, county_prefixes=frozenset(counties or {c[:6] for c in units}))


class RowRejectedError(Exception):
    def __init__(self, column: str, raw: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.raw, self.reason = column, raw, reason


def _header(field_name: str) -> str:
    return REGISTER_SPEC.column(field_name).aliases[0]


ROW_DIGEST_PURPOSE = "registry.row"


def row_hash(row: Row) -> str:
    # Unit separator between fields: no cleaned cell value contains it.
    values = row.values
    payload = "\x1f".join(
        [v if type(v) is str else v.isoformat() for v in (values.get(f, "") for f in HASHED_FIELDS)]  # type: ignore[union-attr]
    )
    return crypto.row_digest(payload, purpose=ROW_DIGEST_PURPOSE)


def _code(row: Row, name: str, parse: Callable[[str], str]) -> str:
    raw = row.text(name)
    try:
        return parse(raw)
    except codes.CodeError as exc:
        raise RowRejectedError(_header(name), raw, str(exc)) from exc


def _place(ctx: Context, row: Row, name: str) -> tuple[str, OrgUnit | None]:
    code = row.text(name)
    if not code:
        return "", None
    if not code.isdigit() or len(code) not in (12, 14):
        raise RowRejectedError(_header(name), code, "区划代码应为12位（村民组14位）数字")
    if code[:6] not in ctx.county_prefixes:
        return code, None  # outside the county: kept as a code
    unit = ctx.units.get(code)
    if unit is None or unit.level not in (OrgUnit.Level.VILLAGE, OrgUnit.Level.GROUP):
        raise RowRejectedError(_header(name), code, "区划代码在本县的村居中不存在")
    return code, unit


def _identity(ctx: Context, row: Row, sex: str, born: dt.date) -> idnumber.IdInfo | None:
    raw = row.text("id_number")
    if not raw:
        return None
    try:
        info = idnumber.parse(raw, recorded_sex=sex, recorded_birth_date=born)
        ctx.parsed[raw] = info.normalized
        return info
    except idnumber.IdNumberError as exc:
        raise RowRejectedError(_header("id_number"), mask_raw(raw, "id"), str(exc)) from exc


def _other_id(ctx: Context, row: Row, name: str) -> str:
    raw = row.text(name)
    if not raw:
        return ""
    if raw in ctx.parsed:
        return ctx.parsed[raw]
    try:
        return idnumber.parse(raw).normalized
    except idnumber.IdNumberError as exc:
        header = _header(name)
        raise RowRejectedError(header, mask_raw(raw, "id"), f"{header}：{exc}") from exc


def _household(ctx: Context, row: Row) -> OrgUnit | None:
    """The unit of the household card; None for a card kept outside the county.

    An inflow migrant's 户编号 belongs to their hukou county: they have no card here.
    """
    code = row.text("household_code")
    if len(code) != 18 or not code.isdigit():
        raise RowRejectedError(_header("household_code"), code, "户编号应为18位数字")
    if code[:6] not in ctx.county_prefixes:
        return None
    village = ctx.units.get(code[:12])
    if village is None or village.level != OrgUnit.Level.VILLAGE:
        raise RowRejectedError(
            _header("household_code"), code, "户编号前12位不是本县已知的村居代码"
        )
    return ctx.units.get(code[:14]) or village


def _birth(row: Row) -> dt.date:
    value = row.values.get("birth_date")
    if not isinstance(value, dt.date):
        raise RowRejectedError(_header("birth_date"), row.text("birth_date"), "出生日期为空")
    return value


def validate_row(ctx: Context, row: Row) -> Record:
    """A Record, or RowRejectedError with the first problem of the row."""
    external_id, name = row.text("external_id"), row.text("name")
    if not external_id:
        raise RowRejectedError(_header("external_id"), "", "个案编号为空")
    if not name:
        raise RowRejectedError(_header("name"), "", "姓名为空")
    sex = _code(row, "sex", codes.parse_sex)
    born = _birth(row)
    if born > ctx.today:
        raise RowRejectedError(_header("birth_date"), born.isoformat(), "出生日期不能晚于今天")
    info = _identity(ctx, row, sex, born)
    hukou_code, hukou_unit = _place(ctx, row, "hukou_code")
    residence_code, residence_unit = _place(ctx, row, "residence_code")
    org_unit = managing_unit(hukou=hukou_unit, residence=residence_unit)
    if org_unit is None:
        raise RowRejectedError(
            _header("hukou_code"), hukou_code, "户籍地和现居住地都不在本县，无法确定管理单位"
        )
    return Record(
        row=row, external_id=external_id, name=name, sex=sex, birth_date=born, info=info,
        ethnicity=_code(row, "ethnicity", codes.parse_ethnicity),
        hukou_type=_code(row, "hukou_type", codes.parse_hukou),
        hukou_code=hukou_code, residence_code=residence_code,
        hukou_unit=hukou_unit, residence_unit=residence_unit, org_unit=org_unit,
        household_code=row.text("household_code"), household_unit=_household(ctx, row),
        relation=_code(row, "relation", codes.parse_relation),
        marital_status=_code(row, "marital_status", codes.parse_marital),
        spouse_id=_other_id(ctx, row, "spouse_id"), mother_id=_other_id(ctx, row, "mother_id"),
        father_id=_other_id(ctx, row, "father_id"), phone=row.text("phone"),
        address=row.text("address"), source_hash=row_hash(row),
    )  # fmt: skip


def _error(record: Record, column: str, raw: str, reason: str) -> RowError:
    return RowError(record.row.sheet, record.row.number, column, raw, reason)


def check_file_rules(records: list[Record]) -> tuple[list[Record], list[RowError]]:
    """Cross-row rules: duplicate 个案编号 / ID in the file, household head first."""
    errors: list[RowError] = []
    kept: list[Record] = []
    seen_ids: set[str] = set()
    seen_numbers: set[str] = set()
    for record in records:
        number = record.info.normalized if record.info else ""
        if record.external_id in seen_ids:
            errors.append(_error(record, "个案编号", record.external_id, "个案编号在文件中重复"))
        elif number and number in seen_numbers:
            errors.append(
                _error(record, "公民身份号码", mask_raw(number, "id"), "身份证号在文件中重复")
            )
        else:
            kept.append(record)
        seen_ids.add(record.external_id)
        if number:
            seen_numbers.add(number)
    return _check_heads(kept, errors)


def _check_heads(
    records: list[Record], errors: list[RowError]
) -> tuple[list[Record], list[RowError]]:
    by_household: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        if record.household_unit is not None:
            by_household[record.household_code].append(record)
    bad: set[str] = set()
    for code, members in by_household.items():
        try:
            rules.check_household_head([m.relation for m in members], Relation.SELF.value)
        except ValidationError:
            bad.add(code)
    for record in records:
        if record.household_code in bad:
            errors.append(
                _error(
                    record, "与户主关系", record.household_code, "户内第一位成员必须是户主（本人）"
                )
            )
    return [r for r in records if r.household_code not in bad], errors
