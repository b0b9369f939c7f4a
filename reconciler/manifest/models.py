"""The manifest schema as pydantic v2 models: field names, types, ranges, choices, defaults.

Owns: what one manifest file may contain (``ManifestSpec`` and its parts), single-field rules
(patterns, ranges, choices, the normalisation of ``postpaid``/``Month`` casing) and the JSON
Schema derived from them (``manifest_json_schema``). Strict: no coercion of numbers to text or
text to booleans, unknown keys refused. Must not read files, merge defaults or check rules that
span fields or files (``manifest_build`` and ``manifest_rules`` do that).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import GenerateJsonSchema, JsonDict, JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from reconciler.model import (
    MANAGED_BY_TAG,
    MANIFEST_TIME_UNIT,
    NAME_TAG,
    REGIONS,
    RESERVATION_LENGTHS,
    STACK_TAG,
)
from reconciler.model.routes import (
    DEFAULT_SOURCE,
    ROUTE_DESCRIPTION_MAX,
    CidrError,
    Symbol,
    parse_cidr,
)

SCHEMA_ID = "https://peerconn.dev/schemas/manifest.schema.json"

NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
VPC_ID_PATTERN = r"^vpc-[a-z0-9]+$"
ACCOUNT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
PROFILE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
IF_NAME_PATTERN = r"^[A-Za-z0-9\u4e00-\u9fa5][A-Za-z0-9\u4e00-\u9fa5_./-]{0,64}$"

PATTERN_HELP = {
    NAME_PATTERN: "lowercase letters, digits and '-', 1-63 characters, "
    "starting and ending with a letter or digit",
    VPC_ID_PATTERN: "a VPC id: 'vpc-' followed by lowercase letters and digits",
    ACCOUNT_ID_PATTERN: "an account id: letters, digits, '-' and '_', at most 64 characters",
    PROFILE_PATTERN: "a profile name: letters, digits, '.', '-' and '_', at most 64 characters",
    IF_NAME_PATTERN: "letters, digits, Chinese characters, '-', '_', '.' and '/', at most 65 "
    "characters, starting with a letter, digit or Chinese character",
}

BANDWIDTH_MIN, BANDWIDTH_MAX = 1, 10000
RENEW_MIN, RENEW_MAX = 1, 365
DESCRIPTION_MAX = 200
TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256
RESERVED_TAG_KEYS = (MANAGED_BY_TAG, STACK_TAG, NAME_TAG)
PAYMENT_TIMINGS = ("Postpaid", "Prepaid")
TIME_UNITS = (MANIFEST_TIME_UNIT,)
ENSURE_VALUES = ("present", "absent")
CONNECTION_ATTRIBUTES = (
    "bandwidth_in_mbps", "billing", "delete_protect", "description", "dns_sync",
    "local_if_name", "peer_account_id", "peer_if_name", "peer_region", "tags",
)
ACCEPTANCE_ATTRIBUTES = ("description", "dns_sync", "local_if_name")


def did_you_mean(value: object, choices: Any) -> str | None:
    """A hint naming the closest choice, when one is close enough."""
    if not isinstance(value, str):
        return None
    words = [str(c) for c in choices]
    close = difflib.get_close_matches(str(value), words, n=1, cutoff=0.6)
    if not close:
        close = [w for w in words if w.lower() == value.lower()]
    return f"did you mean '{close[0]}'?" if close else None


def _fold(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _choice(values: tuple[Any, ...], *, fold_case: bool = False) -> Callable[[Any], Any]:
    """A validator keeping ``value`` only if it is one of ``values`` (returns the canonical one)."""

    def check(value: Any) -> Any:
        for canonical in values:
            if canonical == value or (fold_case and _fold(canonical) == _fold(value)):
                return canonical
        shown = ", ".join(str(v) for v in values)
        raise PydanticCustomError(
            "choice",
            "{message}",
            {"message": f"must be one of {shown}, not {value!r}",
             "hint": did_you_mean(value, values)},
        )

    return check


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


def _choice_schema(values: tuple[Any, ...], *, fold_case: bool = False) -> WithJsonSchema:
    if all(isinstance(v, int) for v in values):
        return WithJsonSchema({"type": "integer", "enum": list(values)})
    if fold_case:
        alternatives = "|".join(_any_case(v) for v in values)
        return WithJsonSchema({"type": "string", "pattern": f"^({alternatives})$",
                               "examples": list(values)})
    return WithJsonSchema({"type": "string", "enum": list(values)})


Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=63)]
VpcId = Annotated[str, StringConstraints(pattern=VPC_ID_PATTERN, max_length=64)]
AccountId = Annotated[str, StringConstraints(pattern=ACCOUNT_ID_PATTERN, max_length=64)]
Profile = Annotated[str, StringConstraints(pattern=PROFILE_PATTERN, max_length=64)]
IfName = Annotated[str, StringConstraints(pattern=IF_NAME_PATTERN, max_length=65)]
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX)]
TagKey = Annotated[str, StringConstraints(min_length=1, max_length=TAG_KEY_MAX)]
TagValue = Annotated[str, StringConstraints(max_length=TAG_VALUE_MAX)]
Tags = dict[TagKey, TagValue]
Region = Annotated[str, AfterValidator(_choice(REGIONS)), _choice_schema(REGIONS)]
PaymentTiming = Annotated[
    str,
    AfterValidator(_choice(PAYMENT_TIMINGS, fold_case=True)),
    _choice_schema(PAYMENT_TIMINGS, fold_case=True),
]
TimeUnit = Annotated[
    str,
    AfterValidator(_choice(TIME_UNITS, fold_case=True)),
    _choice_schema(TIME_UNITS, fold_case=True),
]
ReservationLength = Annotated[
    int,
    AfterValidator(_choice(RESERVATION_LENGTHS)),
    _choice_schema(RESERVATION_LENGTHS),
]
Bandwidth = Annotated[int, Field(ge=BANDWIDTH_MIN, le=BANDWIDTH_MAX)]
RenewDays = Annotated[int, Field(ge=RENEW_MIN, le=RENEW_MAX)]
Ensure = Annotated[str, AfterValidator(_choice(ENSURE_VALUES)), _choice_schema(ENSURE_VALUES)]
ConnectionAttribute = Annotated[
    str,
    AfterValidator(_choice(CONNECTION_ATTRIBUTES)),
    _choice_schema(CONNECTION_ATTRIBUTES),
]
AcceptanceAttribute = Annotated[
    str,
    AfterValidator(_choice(ACCEPTANCE_ATTRIBUTES)),
    _choice_schema(ACCEPTANCE_ATTRIBUTES),
]

_TAGS_SCHEMA: JsonDict = {"propertyNames": {"not": {"enum": list(RESERVED_TAG_KEYS)}}}

SYMBOLS = tuple(s.value for s in Symbol)
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
CIDR_PATTERN = rf"^({_OCTET}\.){{3}}{_OCTET}/(3[0-2]|[12]?[0-9])$"


def _cidr(value: str) -> str:
    try:
        return parse_cidr(value)
    except CidrError as exc:
        raise PydanticCustomError("cidr", "{message}",
                                  {"message": str(exc), "hint": exc.hint}) from None


def _destination(value: str) -> str:
    if value in SYMBOLS:
        return value
    try:
        return parse_cidr(value)
    except CidrError as exc:
        hint = exc.hint or did_you_mean(value, SYMBOLS) \
            or f"write an IPv4 CIDR or one of {', '.join(SYMBOLS)}"
        raise PydanticCustomError("cidr", "{message}", {"message": str(exc), "hint": hint}) from None


_CIDR_SCHEMA: JsonDict = {"type": "string", "pattern": CIDR_PATTERN,
                          "description": "IPv4 CIDR, canonical (no host bits)"}
Cidr = Annotated[str, AfterValidator(_cidr), WithJsonSchema(_CIDR_SCHEMA)]
RouteDestination = Annotated[
    str,
    AfterValidator(_destination),
    WithJsonSchema({"anyOf": [_CIDR_SCHEMA, {"type": "string", "enum": list(SYMBOLS)}]}),
]
RouteDescription = Annotated[str, StringConstraints(max_length=ROUTE_DESCRIPTION_MAX)]


class _Spec(BaseModel):
    """Strict, closed, immutable; an explicit ``null`` only where ``nullable`` allows it."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise PydanticCustomError("null_not_allowed", "must not be null")
        return value


class BillingSpec(_Spec):
    payment_timing: PaymentTiming | None = Field(
        None, description="Postpaid or Prepaid, any case; Postpaid when nothing is declared")
    reservation_length: ReservationLength | None = Field(
        None, description="months; Prepaid only, and required for Prepaid")
    reservation_time_unit: TimeUnit | None = Field(
        None, description="month (any case)")
    renew_within_days: RenewDays | None = Field(
        None, description="Prepaid only: renew when expiry is nearer than this many days")


class LifecycleSpec(_Spec):
    prevent_destroy: bool | None = Field(
        None, description="refuse to plan a release or a replace of this connection")
    ignore_changes: list[ConnectionAttribute] | None = Field(
        None, description="attributes whose drift is not corrected")
    adopt_from_stack: str | None = Field(
        None, min_length=1, max_length=64,
        description="manage the pair's live connection although it is tagged as owned by this "
                    "other stack (it keeps that stack's tags: tags are fixed at create time)")


class AcceptanceLifecycleSpec(_Spec):
    prevent_destroy: bool | None = None
    ignore_changes: list[AcceptanceAttribute] | None = None


class RouteSpec(_Spec):
    """One route rule whose next hop is the entry's connection."""

    destination: RouteDestination = Field(
        description="an IPv4 CIDR, or peer_vpc / local_vpc: that VPC's CIDR and secondary CIDRs")
    source: Cidr = Field(DEFAULT_SOURCE, description="a subnet range of the table's VPC")
    description: RouteDescription | None = None


class RoutesSpec(_Spec):
    """Route rules through the connection, per table; a side left out is not managed."""

    local: list[RouteSpec] | None = Field(
        None, description="rules in local_vpc_id's route table; [] deletes ours there")
    peer: list[RouteSpec] | None = Field(
        None, description="rules in peer_vpc_id's route table (same account only)")


class AcceptanceRoutesSpec(_Spec):
    local: list[RouteSpec] | None = Field(
        None, description="rules in local_vpc_id's (the acceptor's) route table")


class DefaultsSpec(_Spec):
    """Merged into every entry of ``connections``; the entry's own values win."""

    peer_region: Region | None = None
    bandwidth_in_mbps: Bandwidth | None = None
    description: Description | None = None
    dns_sync: bool | None = None
    delete_protect: bool | None = None
    billing: BillingSpec | None = None
    tags: Tags | None = Field(None, json_schema_extra=_TAGS_SCHEMA)
    lifecycle: LifecycleSpec | None = None


class ConnectionSpec(_Spec):
    """A connection this account initiates (Terraform's ``baiducloud_peer_conn``)."""

    nullable: ClassVar[frozenset[str]] = frozenset({"peer_account_id"})

    name: Name = Field(description="unique within the stack")
    local_vpc_id: VpcId
    peer_vpc_id: VpcId
    peer_region: Region | None = Field(
        None, description="defaults to the manifest's region")
    peer_account_id: AccountId | None = Field(
        None,
        description="the peer VPC's account; null or absent for the same account",
        json_schema_extra={"type": ["string", "null"]},
    )
    bandwidth_in_mbps: Bandwidth | None = Field(
        None, description="required here or in defaults")
    local_if_name: IfName | None = None
    peer_if_name: IfName | None = Field(
        None, description="same-account connections only")
    description: Description | None = None
    dns_sync: bool | None = None
    delete_protect: bool | None = None
    billing: BillingSpec | None = None
    tags: Tags | None = Field(None, json_schema_extra=_TAGS_SCHEMA)
    lifecycle: LifecycleSpec | None = None
    ensure: Ensure = Field("present", description="absent releases the connection")
    routes: RoutesSpec | None = None


class AcceptanceSpec(_Spec):
    """This account's side of a connection another account initiates."""

    name: Name = Field(description="unique within the stack")
    local_vpc_id: VpcId = Field(description="our VPC, the acceptor side")
    peer_vpc_id: VpcId = Field(description="the initiator's VPC")
    peer_account_id: AccountId = Field(description="the initiator's account")
    accept: bool = Field(True, description="accept while consulting; false rejects")
    dns_sync: bool | None = None
    local_if_name: IfName | None = None
    description: Description | None = None
    lifecycle: AcceptanceLifecycleSpec | None = None
    routes: AcceptanceRoutesSpec | None = None


class ManifestSpec(_Spec):
    """One manifest file."""

    stack: Name = Field(description="ownership tag value and prune scope")
    region: Region = Field(description="region of the local VPCs")
    profile: Profile | None = Field(
        None, description="credentials profile for this file's account")
    prune: bool = Field(False, description="release stack-owned connections no longer declared")
    defaults: DefaultsSpec | None = None
    connections: list[ConnectionSpec] = Field(default_factory=list)
    acceptances: list[AcceptanceSpec] = Field(default_factory=list)


class _AbsentNotNull(GenerateJsonSchema):
    """Optional fields may be absent but not null (``_Spec`` refuses null), so say just that."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        json_schema = super().default_schema(schema)
        if json_schema.get("default", ...) is None:
            del json_schema["default"]
        return json_schema


def manifest_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one manifest file, for editors."""
    schema = ManifestSpec.model_json_schema(schema_generator=_AbsentNotNull)
    schema["title"] = "peerconn manifest"
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
