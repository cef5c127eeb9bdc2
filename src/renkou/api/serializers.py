"""Every JSON input and query string of the API is parsed here, with explicit types and limits.

Inputs subclass `StrictSerializer`: a field the serializer does not declare is an
error (400), never silently dropped, and text with surrogates or NUL is refused before
it can reach the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from renkou.registry.models import ChangeReport, Person, Relation, Sex

MAX_UNKNOWN_SHOWN = 5
# Change-report kinds the API files today; the others go through the web form.
API_REPORT_KINDS = (
    ChangeReport.Kind.BIRTH,
    ChangeReport.Kind.DEATH,
    ChangeReport.Kind.MOVE_OUT,
)


class Text(serializers.CharField):
    """A CharField that also refuses lone surrogates (they cannot be stored as UTF-8)."""

    default_error_messages: ClassVar[dict[str, Any]] = {"surrogate": gettext_lazy("包含无效字符。")}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if any("\ud800" <= ch <= "\udfff" for ch in value):
            self.fail("surrogate")
        return value


class StrictSerializer(serializers.Serializer[Any]):
    """Rejects fields it does not declare, with a message that names them."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(key)[:40] for key in data if key not in self.fields)
            if unknown:
                shown = "、".join(unknown[:MAX_UNKNOWN_SHOWN])
                raise serializers.ValidationError(
                    {"non_field_errors": [_("不支持的字段：%(names)s") % {"names": shown}]}
                )
        return super().to_internal_value(data)


# --- query strings --------------------------------------------------------------------


class PageParams(StrictSerializer):
    page = serializers.IntegerField(required=False, min_value=1, max_value=1_000_000)


class PersonSearchSerializer(PageParams):
    q = Text(required=False, max_length=50, help_text="姓名开头，或拼音/首字母开头")
    household = serializers.RegexField(
        r"^\d{1,18}$",
        required=False,
        help_text="户编号（开头）",
        error_messages={"invalid": gettext_lazy("户编号只能是1至18位数字。")},
    )
    unit = serializers.IntegerField(required=False, min_value=1, max_value=2**53)
    status = serializers.ChoiceField(
        choices=[*Person.Status.choices, ("all", gettext_lazy("全部"))],
        default=Person.Status.ACTIVE,
        help_text="默认只查在册人员",
    )
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    birth_year_min = serializers.IntegerField(required=False, min_value=1880, max_value=2100)
    birth_year_max = serializers.IntegerField(required=False, min_value=1880, max_value=2100)


class HouseholdSearchSerializer(PageParams):
    code = serializers.RegexField(
        r"^\d{1,18}$",
        required=False,
        help_text="户编号（开头）",
        error_messages={"invalid": gettext_lazy("户编号只能是1至18位数字。")},
    )
    unit = serializers.IntegerField(required=False, min_value=1, max_value=2**53)


class ChangeReportSearchSerializer(PageParams):
    kind = serializers.ChoiceField(choices=ChangeReport.Kind.choices, required=False)
    status = serializers.ChoiceField(choices=ChangeReport.Status.choices, required=False)


# --- JSON bodies ------------------------------------------------------------------------


class IdLookupSerializer(StrictSerializer):
    id_number = Text(max_length=40, help_text="公民身份号码（18位或15位，全角亦可）")


class TokenRequestSerializer(StrictSerializer):
    username = Text(max_length=150)
    password = Text(max_length=256, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()


class ChangeReportCreateSerializer(StrictSerializer):
    """What a village officer files; the service decides what each kind requires."""

    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in API_REPORT_KINDS])
    event_date = serializers.DateField()
    subject = serializers.IntegerField(required=False, min_value=1, max_value=2**53)
    name = Text(required=False, max_length=50, allow_blank=True)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False)
    id_number = Text(required=False, max_length=40, allow_blank=True)
    mother = serializers.IntegerField(required=False, min_value=1, max_value=2**53)
    father = serializers.IntegerField(required=False, min_value=1, max_value=2**53)
    household = serializers.IntegerField(required=False, min_value=1, max_value=2**53)
    relation = serializers.ChoiceField(choices=Relation.choices, required=False, allow_blank=True)
    place = Text(required=False, max_length=200, allow_blank=True)
    note = Text(required=False, max_length=500, allow_blank=True)


class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()


# --- output -----------------------------------------------------------------------------


class UnitRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


# Output status fields are plain strings: their code lists differ per model, and one
# shared enum name ("status") would collide in the OpenAPI components.
_PERSON_STATUS_HELP = "active 在册；left 已出队"
_REPORT_STATUS_HELP = "draft 草稿；submitted 待审核；accepted 已通过；returned 已退回"


class PersonListSerializer(serializers.ModelSerializer[Person]):
    org_unit = UnitRefSerializer(read_only=True)
    status = serializers.CharField(read_only=True, help_text=_PERSON_STATUS_HELP)

    class Meta:
        model = Person
        fields = ("id", "name", "sex", "birth_date", "id_masked", "status", "org_unit")
        read_only_fields = fields


class LifeEventSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    event_date = serializers.DateField(allow_null=True)
    recorded_at = serializers.DateTimeField()
    # A field named "source" shadows Field.source in the stubs; at run time DRF's
    # metaclass collects it as a declared field like any other.
    source = serializers.CharField()  # type: ignore[assignment]
    evidence = serializers.CharField()


class EventSummarySerializer(serializers.Serializer[Any]):
    total = serializers.IntegerField()
    by_kind = serializers.DictField(child=serializers.IntegerField())
    recent = LifeEventSerializer(many=True)


class MembershipRefSerializer(serializers.Serializer[Any]):
    household_id = serializers.IntegerField()
    household_code = serializers.CharField(source="household.code")
    relation = serializers.CharField()


class PersonDetailSerializer(serializers.ModelSerializer[Person]):
    """A person's record as the API shows it: identity number and phone masked only.

    The view passes the current membership and the events summary in the context.
    """

    org_unit = UnitRefSerializer(read_only=True)
    mother_id = serializers.IntegerField(read_only=True, allow_null=True)
    father_id = serializers.IntegerField(read_only=True, allow_null=True)
    status = serializers.CharField(read_only=True, help_text=_PERSON_STATUS_HELP)
    household = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = (
            "id",
            "name",
            "sex",
            "birth_date",
            "id_masked",
            "phone_masked",
            "ethnicity",
            "education",
            "hukou_type",
            "marital_status",
            "address",
            "status",
            "left_reason",
            "left_date",
            "death_date",
            "mother_id",
            "father_id",
            "version",
            "org_unit",
            "household",
            "events",
        )
        read_only_fields = fields

    @extend_schema_field(MembershipRefSerializer(allow_null=True))
    def get_household(self, person: Person) -> dict[str, Any] | None:
        membership = self.context.get("membership")
        if membership is None:
            return None
        return dict(MembershipRefSerializer(membership).data)

    @extend_schema_field(EventSummarySerializer)
    def get_events(self, person: Person) -> dict[str, Any]:
        return dict(EventSummarySerializer(self.context["events"]).data)


class HouseholdListSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    hukou_type = serializers.CharField()
    address = serializers.CharField()
    org_unit = UnitRefSerializer()


class MemberSerializer(serializers.Serializer[Any]):
    person_id = serializers.IntegerField()
    name = serializers.CharField(source="person.name")
    sex = serializers.CharField(source="person.sex")
    birth_date = serializers.DateField(source="person.birth_date")
    id_masked = serializers.CharField(source="person.id_masked")
    relation = serializers.CharField()
    relation_display = serializers.CharField(source="get_relation_display")
    position = serializers.IntegerField()
    joined = serializers.DateField()


class HouseholdDetailSerializer(HouseholdListSerializer):
    members = MemberSerializer(many=True)


class ChangeReportSerializer(serializers.ModelSerializer[ChangeReport]):
    org_unit = UnitRefSerializer(read_only=True)
    subject_id = serializers.IntegerField(read_only=True, allow_null=True)
    mother_id = serializers.IntegerField(read_only=True, allow_null=True)
    father_id = serializers.IntegerField(read_only=True, allow_null=True)
    household_id = serializers.IntegerField(read_only=True, allow_null=True)
    result_person_id = serializers.IntegerField(read_only=True, allow_null=True)
    status = serializers.CharField(read_only=True, help_text=_REPORT_STATUS_HELP)

    class Meta:
        model = ChangeReport
        fields = (
            "id",
            "kind",
            "status",
            "event_date",
            "org_unit",
            "subject_id",
            "name",
            "sex",
            "birth_date",
            "id_masked",
            "mother_id",
            "father_id",
            "household_id",
            "relation",
            "place",
            "note",
            "created_at",
            "return_reason",
            "result_person_id",
        )
        read_only_fields = fields


class PersonLookupResultSerializer(serializers.Serializer[Any]):
    results = PersonListSerializer(many=True)
