"""Writes the malformed-manifest corpus under tests/manifests/corpus/ (run once, commit the output).

    .venv/bin/python tests/manifests/make_corpus.py

Every case is one file (or a directory of files for cross-file rules) whose ``# expect: TEXT``
comment lines name what the diagnostic for that file must contain (a field path, a message).
test_corpus.py loads each case and checks a diagnostic of that file, with a line number,
contains each expectation. Huge files are generated at test time instead of committed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"

Fields = dict[str, str]

CONN: Fields = {
    "name": "app-to-db",
    "local_vpc_id": "vpc-app01",
    "peer_vpc_id": "vpc-db0001",
    "bandwidth_in_mbps": "100",
}
ACC: Fields = {
    "name": "partner-inbound",
    "local_vpc_id": "vpc-app01",
    "peer_vpc_id": "vpc-partner1",
    "peer_account_id": '"8a1b2c"',
}
TOP: Fields = {"stack": "corpus", "region": "bj"}
DROP = "<drop>"


def _merge(base: Fields, changes: Fields) -> Fields:
    merged = {**base, **changes}
    return {k: v for k, v in merged.items() if v != DROP}


def _entries(section: str, entries: list[Fields]) -> str:
    text = f"{section}:\n"
    for entry in entries:
        lines = [f"{k}: {v}" for k, v in entry.items()]
        text += "  - " + "\n    ".join(lines) + "\n"
    return text


def manifest(top: Fields | None = None, conns: list[Fields] | None = None,
             accs: list[Fields] | None = None, defaults: str | None = None) -> str:
    text = "".join(f"{k}: {v}\n" for k, v in _merge(TOP, top or {}).items())
    if defaults is not None:
        text += f"defaults: {defaults}\n"
    if conns is None:
        conns = [dict(CONN)]
    if conns:
        text += _entries("connections", conns)
    if accs:
        text += _entries("acceptances", accs)
    return text


def conn(**changes: str) -> str:
    return manifest(conns=[_merge(CONN, changes)])


def acc(**changes: str) -> str:
    return manifest(conns=[], accs=[_merge(ACC, changes)])


def unknown_keys() -> Iterator[tuple[str, str, str]]:
    for typo in ["stak", "regoin", "profle", "prunee", "defualts", "conections", "acceptance"]:
        yield f"unknown-top-{typo}", f"{typo}: unknown field '{typo}'", manifest() + f"{typo}: x\n"
    for typo in ["bandwith_in_mbps", "local_vpc", "peer_vpcid", "peer_regoin", "peer_acount_id",
                 "local_ifname", "peerifname", "desc", "dnssync", "delete_protection", "bill",
                 "tag", "life_cycle", "ensured", "id", "status"]:
        yield f"unknown-conn-{typo}", f"connections[0].{typo}: unknown field", conn(**{typo: "1"})
    for typo in ["paymenttiming", "reservation", "reservation_len", "time_unit", "renew_days"]:
        yield f"unknown-billing-{typo}", f"connections[0].billing.{typo}: unknown field", \
            conn(billing=f"{{payment_timing: Postpaid, {typo}: 1}}")
    for typo in ["prevent_destory", "ignore_change", "create_before_destroy"]:
        yield f"unknown-lifecycle-{typo}", f"connections[0].lifecycle.{typo}: unknown field", \
            conn(lifecycle=f"{{{typo}: true}}")
    for typo in ["bandwidth", "peer_account_id", "local_vpc_id", "name", "billings"]:
        yield f"unknown-defaults-{typo}", f"defaults.{typo}: unknown field", \
            manifest(defaults=f"{{{typo}: x}}")
    for typo in ["auto_accept", "acept", "peer_region", "bandwidth_in_mbps", "tags"]:
        yield f"unknown-acceptance-{typo}", f"acceptances[0].{typo}: unknown field", \
            acc(**{typo: "true"})


WRONG_TYPES = [
    # (case, field, raw YAML value, expected text)
    ("name-int", "name", "42", "connections[0].name: must be a string; quote it"),
    ("name-list", "name", "[a, b]", "connections[0].name: must be a string, not a list"),
    ("name-map", "name", "{a: b}", "connections[0].name: must be a string, not a mapping"),
    ("local-vpc-bool", "local_vpc_id", "true", "connections[0].local_vpc_id: must be a string"),
    ("peer-vpc-float", "peer_vpc_id", "1.5", "connections[0].peer_vpc_id: must be a string"),
    ("bandwidth-string", "bandwidth_in_mbps", '"100"', "must be an integer, not text"),
    ("bandwidth-single-quoted", "bandwidth_in_mbps", "'100'", "must be an integer, not text"),
    ("bandwidth-float", "bandwidth_in_mbps", "100.0", "must be a whole number"),
    ("bandwidth-bool", "bandwidth_in_mbps", "true", "must be an integer, not the boolean true"),
    ("bandwidth-list", "bandwidth_in_mbps", "[100]", "must be an integer"),
    ("bandwidth-text", "bandwidth_in_mbps", "fast", "bandwidth_in_mbps: must be an integer"),
    ("bandwidth-units", "bandwidth_in_mbps", "100Mbps", "bandwidth_in_mbps: must be an integer"),
    ("dns-sync-string", "dns_sync", '"true"', "dns_sync: must be true or false, not text"),
    ("dns-sync-int", "dns_sync", "1", "dns_sync: must be true or false"),
    ("dns-sync-word", "dns_sync", "enabled", "dns_sync: must be true or false"),
    ("delete-protect-string", "delete_protect", "'false'", "must be true or false, not text"),
    ("delete-protect-list", "delete_protect", "[true]", "delete_protect: must be true or false"),
    ("description-int", "description", "12", "description: must be a string; quote it"),
    ("description-map", "description", "{a: 1}", "description: must be a string, not a mapping"),
    ("local-if-name-int", "local_if_name", "7", "local_if_name: must be a string; quote it"),
    ("peer-if-name-bool", "peer_if_name", "false", "peer_if_name: must be a string; quote it"),
    ("billing-string", "billing", "Postpaid", "billing: must be a mapping, not text"),
    ("billing-list", "billing", "[Postpaid]", "billing: must be a mapping, not a list"),
    ("tags-list", "tags", "[team, net]", "tags: must be a mapping"),
    ("tags-string", "tags", "team=net", "tags: must be a mapping"),
    ("tag-value-int", "tags", "{cost-center: 42}", "tags.cost-center: must be a string; quote it"),
    ("tag-value-bool", "tags", "{public: true}", "tags.public: must be a string; quote it"),
    ("tag-value-null", "tags", "{team: null}", "tags.team: must be a string"),
    ("tag-value-map", "tags", "{team: {a: b}}", "tags.team: must be a string, not a mapping"),
    ("lifecycle-list", "lifecycle", "[prevent_destroy]", "lifecycle: must be a mapping"),
    ("lifecycle-prevent-string", "lifecycle", '{prevent_destroy: "yes"}', "must be true or false"),
    ("lifecycle-ignore-string", "lifecycle", "{ignore_changes: description}",
     "lifecycle.ignore_changes: must be a list, not text"),
    ("lifecycle-ignore-int-item", "lifecycle", "{ignore_changes: [1]}",
     "lifecycle.ignore_changes[0]: must be a string"),
    ("ensure-bool", "ensure", "false", "ensure: must be a string; quote it"),
    ("peer-account-int", "peer_account_id", "12345", "peer_account_id: must be a string; quote it"),
    ("peer-region-int", "peer_region", "1", "peer_region: must be a string; quote it"),
    ("reservation-length-string", "billing", '{payment_timing: Prepaid, reservation_length: "1"}',
     "billing.reservation_length: must be an integer, not text"),
    ("renew-string", "billing", '{payment_timing: Prepaid, reservation_length: 1, '
     'renew_within_days: "7"}', "billing.renew_within_days: must be an integer"),
    ("payment-timing-int", "billing", "{payment_timing: 1}",
     "billing.payment_timing: must be a string; quote it"),
]


def wrong_types() -> Iterator[tuple[str, str, str]]:
    for case, field, raw, expect in WRONG_TYPES:
        yield f"type-{case}", expect, conn(**{field: raw})
    yield "type-top-stack-int", "stack: must be a string; quote it", manifest(top={"stack": "7"})
    yield "type-top-region-list", "region: must be a string, not a list", \
        manifest(top={"region": "[bj]"})
    yield "type-top-prune-string", "prune: must be true or false, not text", \
        manifest(top={"prune": '"true"'})
    yield "type-top-prune-int", "prune: must be true or false", manifest(top={"prune": "1"})
    yield "type-top-profile-int", "profile: must be a string; quote it", \
        manifest(top={"profile": "123"})
    yield "type-connections-map", "connections: must be a list, not a mapping", \
        manifest(conns=[]) + "connections: {name: x}\n"
    yield "type-connections-string", "connections: must be a list, not text", \
        manifest(conns=[]) + "connections: app-to-db\n"
    yield "type-connection-entry-string", "connections[0]: must be a mapping, not text", \
        manifest(conns=[]) + "connections:\n  - app-to-db\n"
    yield "type-acceptances-map", "acceptances: must be a list", \
        manifest() + "acceptances: {a: b}\n"
    yield "type-defaults-list", "defaults: must be a mapping, not a list", \
        manifest(defaults="[a]")
    yield "type-defaults-bandwidth-string", "defaults.bandwidth_in_mbps: must be an integer", \
        manifest(defaults='{bandwidth_in_mbps: "10"}')
    yield "type-accept-string", "acceptances[0].accept: must be true or false, not text", \
        acc(accept='"true"')
    yield "type-accept-int", "acceptances[0].accept: must be true or false", acc(accept="1")
    yield "type-null-connections", "connections: must not be empty", \
        manifest(conns=[]) + "connections:\n"
    yield "type-null-billing", "connections[0].billing: must not be null", conn(billing="null")
    yield "type-null-bandwidth", "connections[0].bandwidth_in_mbps: must not be empty", \
        conn(bandwidth_in_mbps="")
    yield "type-null-prune", "prune: must not be null", manifest(top={"prune": "~"})


def missing_fields() -> Iterator[tuple[str, str, str]]:
    yield "missing-stack", "missing required field 'stack'", manifest(top={"stack": DROP})
    yield "missing-region", "missing required field 'region'", manifest(top={"region": DROP})
    for field in ("name", "local_vpc_id", "peer_vpc_id"):
        yield f"missing-conn-{field}", f"connections[0].{field}: missing required field", \
            conn(**{field: DROP})
    yield "missing-bandwidth", "connections[0].bandwidth_in_mbps: missing required field", \
        conn(bandwidth_in_mbps=DROP)
    for field in ("name", "local_vpc_id", "peer_vpc_id", "peer_account_id"):
        yield f"missing-acc-{field}", f"acceptances[0].{field}: missing required field", \
            acc(**{field: DROP})
    yield "missing-second-entry-name", "connections[1].name: missing required field", \
        manifest(conns=[dict(CONN), _merge(CONN, {"name": DROP, "peer_vpc_id": "vpc-other1"})])


def yaml_level() -> Iterator[tuple[str, str, str | bytes]]:
    base = manifest()
    yield "yaml-duplicate-top-key", "duplicate key 'region'", base + "region: gz\n"
    yield "yaml-duplicate-conn-key", "connections[0].peer_vpc_id: duplicate key", \
        base + "    peer_vpc_id: vpc-db0002\n"
    yield "yaml-duplicate-billing-key", "billing.payment_timing: duplicate key", \
        conn(billing="{payment_timing: Postpaid, payment_timing: Prepaid}")
    yield "yaml-duplicate-tag-key", "tags.team: duplicate key", conn(tags="{team: a, team: b}")
    yield "yaml-duplicate-defaults-key", "duplicate key 'defaults'", \
        manifest(defaults="{dns_sync: true}") + "defaults: {dns_sync: false}\n"
    yield "yaml-anchor", "anchors are not allowed (&vpc)", conn(local_vpc_id="&vpc vpc-app01")
    yield "yaml-alias", "anchors are not allowed (&vpc)", \
        manifest(conns=[_merge(CONN, {"local_vpc_id": "&vpc vpc-app01", "peer_vpc_id": "*vpc"})])
    yield "yaml-alias-undefined", "aliases are not allowed (*nothing)", conn(peer_vpc_id="*nothing")
    yield "yaml-anchor-on-mapping", "anchors are not allowed (&bill)", \
        conn(billing="&bill {payment_timing: Postpaid}")
    yield "yaml-merge-key", "merge keys (<<) are not allowed", \
        manifest(conns=[]) + "connections:\n  - <<: {bandwidth_in_mbps: 1}\n    name: a\n"
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9))
    yield "yaml-alias-bomb", "anchors are not allowed (&a)", bomb
    for slug, tagged in [("python-object", "!!python/object:os.system ls"),
                         ("python-name", "!!python/name:os.system"),
                         ("python-apply", "!!python/object/apply:os.system [ls]"),
                         ("str", "!!str vpc-app01"), ("int", "!!int 100"),
                         ("binary", "!!binary aGVsbG8="), ("custom", "!vpc app01"),
                         ("verbatim", "!<tag:example.com,2024:vpc> app01"),
                         ("non-specific", "! vpc-app01"), ("set", "!!set {a, b}"),
                         ("omap", "!!omap [a: 1]")]:
        yield f"yaml-tag-{slug}", "explicit tags are not allowed", conn(local_vpc_id=tagged)
    yield "yaml-tag-on-top", "explicit tags are not allowed", "--- !!map\n" + base
    yield "yaml-complex-key", "mapping keys must be strings", base + "? [a, b]\n: c\n"
    yield "yaml-int-key", "mapping key '1' must be a string", base + "1: one\n"
    yield "yaml-bool-key", "mapping key 'yes' must be a string", base + "yes: x\n"
    yield "yaml-null-key", "mapping key 'null' must be a string", base + "null: x\n"
    yield "yaml-tag-int-key", "tags: mapping key '42' must be a string", conn(tags="{42: x}")
    yield "yaml-float12-key", "mapping key '1e3' is not text in YAML 1.2", conn(tags="{1e3: x}")
    yield "yaml-two-documents", "exactly one YAML document", base + "---\n" + base
    yield "yaml-two-empty-documents", "exactly one YAML document", "---\n---\n"
    yield "yaml-empty", "the manifest is empty", ""
    yield "yaml-only-comments", "the manifest is empty", "# nothing here\n"
    yield "yaml-explicit-null-document", "the manifest is empty", "--- null\n"
    yield "yaml-top-list", "the top level must be a mapping, not a list", "- stack: x\n"
    yield "yaml-top-scalar", "the top level must be a mapping, not text", "just some text\n"
    yield "yaml-top-int", "the top level must be a mapping, not the integer 42", "42\n"
    yield "yaml-tab-indent", "YAML does not allow tabs", base.replace("    peer_vpc_id", "\tpeer_vpc_id", 1)
    yield "yaml-tab-indent-top", "YAML does not allow tabs", "stack: x\n\tregion: bj\n"
    yield "yaml-invalid-utf8", "not valid UTF-8", base.encode() + b"    description: caf\xe9\n"
    yield "yaml-utf16", "not valid UTF-8", "\ufeff".encode("utf-16-le") + base.encode("utf-16-le")
    yield "yaml-control-char", "is not allowed in YAML", base + "    description: a\x07b\n"
    yield "yaml-nul-char", "is not allowed in YAML", base + "    description: a\x00b\n"
    yield from left_open(base)
    yield "yaml-bad-indent", "invalid YAML", base + "  bad: indent\n    worse: x\n"
    yield "yaml-mapping-in-scalar", "invalid YAML", base + "    description: a: b\n"
    yield "yaml-too-deep", "nesting is deeper than 32", \
        conn(description="[" * 40 + "]" * 40)
    yield "yaml-too-deep-block", "nesting is deeper than 32", \
        base + "".join(f"{'  ' * i}k{i}:\n" for i in range(40)) + "  " * 40 + "v\n"
    yield "yaml-directive-then-two-docs", "exactly one YAML document", \
        "%YAML 1.1\n---\n" + base + "...\n---\nstack: y\n"


def opened_at(body: str, opener: str) -> str:
    """``LINE:COL`` of the first ``opener`` in ``body`` once the one ``# expect:`` line is on top."""
    index = body.index(opener)
    line = body.count("\n", 0, index) + 2
    return f"{line}:{index - (body.rfind(chr(10), 0, index) + 1) + 1}"


def left_open(base: str) -> Iterator[tuple[str, str, str]]:
    """A ``{``, ``[`` or quote never closed: the diagnostic names where it was opened."""
    two = manifest(conns=[dict(CONN), _merge(CONN, {"name": "second", "peer_vpc_id": "vpc-web001"})])
    for name, body, opener, says in [
        ("yaml-unclosed-flow", conn(tags="{team: net"), "{team",
         "flow mapping opened here is never closed (found end of file at "),
        ("yaml-unclosed-flow-mid-file", two.replace("    bandwidth_in_mbps: 100\n",
                                                    "    billing: {payment_timing: Postpaid\n", 1),
         "{payment", "flow mapping opened here is not closed: expected ',' or '}' at "),
        ("yaml-unclosed-flow-sequence", conn(lifecycle="{ignore_changes: [description"),
         "[description", "flow sequence opened here is never closed (found end of file at "),
        ("yaml-unclosed-flow-sequence-mid-file",
         base + "    lifecycle:\n      ignore_changes: [description\n    ensure: present\n",
         "[description",
         "flow sequence opened here is not closed: expected ',' or ']' at "),
        ("yaml-unclosed-flow-sequence-trailing-comma",
         manifest(conns=[]) + "connections: [\n  {name: a, local_vpc_id: vpc-a},\n", "[",
         "flow sequence opened here is never closed (found end of file at "),
        ("yaml-unclosed-quote", base + '    description: "oops\n', '"oops',
         "double-quoted string opened here is never closed (found end of file at "),
        ("yaml-unclosed-single-quote", base + "    description: 'oops\n", "'oops",
         "single-quoted string opened here is never closed (found end of file at "),
        ("yaml-unclosed-quote-mid-file", conn(description='"app tier', local_if_name='"app-to-db"'),
         '"app tier', "double-quoted string opened here is not closed on its line"),
        ("yaml-unclosed-quote-before-document-end", base + '    description: "oops\n---\n',
         '"oops', "double-quoted string opened here is never closed (found a document separator"),
    ]:
        yield name, f"{opened_at(body, opener)}: {says}", body


YAML11_IDS = [
    ("no", "the boolean false"), ("yes", "the boolean true"), ("on", "the boolean true"),
    ("off", "the boolean false"), ("true", "the boolean true"), ("0123", "the integer 83"),
    ("12345", "the integer 12345"), ("0x1f", "the integer 31"), ("1_000", "the integer 1000"),
    ("1.5", "the number 1.5"), ("2024-01-01", "the date 2024-01-01"), ("null", "null"),
    ("~", "null"),
]


def yaml11_ids() -> Iterator[tuple[str, str, str]]:
    for raw, reading in YAML11_IDS:
        slug = {"~": "tilde", "1.5": "float", "2024-01-01": "date"}.get(raw, raw)
        expect = "must not be null" if reading == "null" else f"as {reading}"
        yield f"id-peer-vpc-{slug}", expect, conn(peer_vpc_id=raw)
    for field, raw, expect in [
        ("peer_account_id", "0123", "peer_account_id: must be a string; quote it"),
        ("peer_account_id", "no", "peer_account_id: must be a string; quote it"),
        ("peer_account_id", "1e3", "'1e3' means different things"),
        ("peer_account_id", "0089", "YAML 1.2 as the integer 89"),
        ("local_vpc_id", "on", "local_vpc_id: must be a string; quote it"),
        ("name", "yes", "name: must be a string; quote it"),
        ("name", "1e3", "YAML 1.1 reads it as text, YAML 1.2 as the number 1000.0"),
        ("local_if_name", "0b101", "local_if_name: must be a string; quote it"),
        ("description", "1.5e3", "'1.5e3' means different things"),
        ("tags", "{build: 09}", "tags.build: '09' means different things"),
        ("dns_sync", "yes", "dns_sync: 'yes' means different things"),
        ("delete_protect", "off", "write true or false"),
        ("bandwidth_in_mbps", "0100", "YAML 1.1 reads it as the integer 64"),
    ]:
        slug = f"{field.replace('_', '-')}-{raw.strip('{}').replace(': ', '-')}"
        yield f"id-{slug}", expect, conn(**{field: raw})
    yield "id-acceptance-account-octal", "acceptances[0].peer_account_id: must be a string", \
        acc(peer_account_id="0777")
    yield "id-stack-no", "stack: must be a string; quote it", manifest(top={"stack": "no"})
    yield "id-profile-on", "profile: must be a string; quote it", manifest(top={"profile": "on"})
    yield "id-region-no", "region: must be a string; quote it", manifest(top={"region": "no"})


BAD_VALUES = [
    # (case, field, raw YAML value, expected text)
    ("peer-region-unknown", "peer_region", "beijing", "peer_region: must be one of bj"),
    ("peer-region-upper", "peer_region", "BJ", "did you mean 'bj'?"),
    ("peer-region-empty-string", "peer_region", '""', "peer_region: must be one of"),
    ("bandwidth-zero", "bandwidth_in_mbps", "0", "bandwidth_in_mbps: must be at least 1"),
    ("bandwidth-negative", "bandwidth_in_mbps", "-5", "must be at least 1, not -5"),
    ("bandwidth-huge", "bandwidth_in_mbps", "10001", "must be at most 10000"),
    ("name-upper", "name", "App-To-Db", "connections[0].name: invalid value 'App-To-Db'"),
    ("name-underscore", "name", "app_to_db", "expected lowercase letters, digits and '-'"),
    ("name-leading-dash", "name", "-app", "connections[0].name: invalid value '-app'"),
    ("name-trailing-dash", "name", "app-", "connections[0].name: invalid value 'app-'"),
    ("name-space", "name", '"app to db"', "connections[0].name: invalid value"),
    ("name-empty", "name", '""', "connections[0].name: invalid value ''"),
    ("name-too-long", "name", "a" * 64, "connections[0].name: is too long (64 characters"),
    ("name-dot", "name", "app.db", "connections[0].name: invalid value 'app.db'"),
    ("name-unicode", "name", "数据库", "connections[0].name: invalid value"),
    ("vpc-upper", "local_vpc_id", "VPC-APP01", "local_vpc_id: invalid value 'VPC-APP01'"),
    ("vpc-underscore", "local_vpc_id", "vpc_app01", "expected a VPC id"),
    ("vpc-bare-prefix", "peer_vpc_id", "vpc-", "peer_vpc_id: invalid value 'vpc-'"),
    ("vpc-subnet", "peer_vpc_id", "sbn-abc123", "peer_vpc_id: invalid value 'sbn-abc123'"),
    ("vpc-trailing-space", "peer_vpc_id", '"vpc-db0001 "', "peer_vpc_id: invalid value"),
    ("vpc-too-long", "peer_vpc_id", "vpc-" + "a" * 70, "peer_vpc_id: is too long"),
    ("account-space", "peer_account_id", '"8a1b 2c"', "peer_account_id: invalid value"),
    ("account-empty", "peer_account_id", '""', "peer_account_id: invalid value ''"),
    ("if-name-space", "local_if_name", '"app db"', "local_if_name: invalid value"),
    ("if-name-leading-dash", "peer_if_name", "-db", "peer_if_name: invalid value '-db'"),
    ("if-name-too-long", "local_if_name", "i" * 66, "local_if_name: is too long (66"),
    ("description-too-long", "description", "d" * 201, "description: is too long (201"),
    ("ensure-unknown", "ensure", "deleted", "ensure: must be one of present, absent"),
    ("ensure-capital", "ensure", "Present", "did you mean 'present'?"),
    ("ensure-empty", "ensure", '""', "ensure: must be one of present, absent"),
    ("tag-key-empty", "tags", '{"": x}', "must not be empty"),
    ("tag-value-too-long", "tags", "{team: " + "v" * 257 + "}", "is too long (257"),
    ("tag-key-too-long", "tags", "{" + "k" * 129 + ": v}", "is too long (129"),
    ("payment-timing-unknown", "billing", "{payment_timing: Prepay}",
     "billing.payment_timing: must be one of Postpaid, Prepaid, not 'Prepay'"),
    ("payment-timing-monthly", "billing", "{payment_timing: monthly}", "payment_timing: must be"),
    ("reservation-length-zero", "billing", "{payment_timing: Prepaid, reservation_length: 0}",
     "billing.reservation_length: must be one of 1, 2, 3"),
    ("reservation-length-10", "billing", "{payment_timing: Prepaid, reservation_length: 10}",
     "not 10"),
    ("reservation-length-11", "billing", "{payment_timing: Prepaid, reservation_length: 11}",
     "not 11"),
    ("reservation-length-13", "billing", "{payment_timing: Prepaid, reservation_length: 13}",
     "not 13"),
    ("reservation-length-48", "billing", "{payment_timing: Prepaid, reservation_length: 48}",
     "not 48"),
    ("reservation-length-negative", "billing",
     "{payment_timing: Prepaid, reservation_length: -1}", "not -1"),
    ("time-unit-year", "billing", "{payment_timing: Prepaid, reservation_length: 1, "
     "reservation_time_unit: year}", "billing.reservation_time_unit: must be one of month"),
    ("time-unit-months", "billing", "{payment_timing: Prepaid, reservation_length: 1, "
     "reservation_time_unit: months}", "did you mean 'month'?"),
    ("renew-zero", "billing", "{payment_timing: Prepaid, reservation_length: 1, "
     "renew_within_days: 0}", "billing.renew_within_days: must be at least 1"),
    ("renew-huge", "billing", "{payment_timing: Prepaid, reservation_length: 1, "
     "renew_within_days: 366}", "billing.renew_within_days: must be at most 365"),
    ("ignore-changes-unknown", "lifecycle", "{ignore_changes: [bandwith_in_mbps]}",
     "did you mean 'bandwidth_in_mbps'?"),
    ("ignore-changes-status", "lifecycle", "{ignore_changes: [status]}",
     "lifecycle.ignore_changes[0]: must be one of"),
    ("ignore-changes-second", "lifecycle", "{ignore_changes: [tags, name]}",
     "lifecycle.ignore_changes[1]: must be one of"),
]


def bad_values() -> Iterator[tuple[str, str, str]]:
    for case, field, raw, expect in BAD_VALUES:
        yield f"value-{case}", expect, conn(**{field: raw})
    for case, raw, expect in [("unknown", "beijing", "region: must be one of bj"),
                              ("upper", "BJ", "did you mean 'bj'?"),
                              ("aws", "us-east-1", "region: must be one of"),
                              ("empty", '""', "region: must be one of")]:
        yield f"value-region-{case}", expect, manifest(top={"region": raw})
    for case, raw in [("upper", "Prod"), ("underscore", "prod_net"), ("space", '"prod net"'),
                      ("long", "s" * 64), ("empty", '""')]:
        yield f"value-stack-{case}", "stack: ", manifest(top={"stack": raw})
    yield "value-profile-space", "profile: invalid value", manifest(top={"profile": '"my profile"'})
    yield "value-defaults-region", "defaults.peer_region: must be one of", \
        manifest(defaults="{peer_region: mars}")
    yield "value-defaults-bandwidth", "defaults.bandwidth_in_mbps: must be at most 10000", \
        manifest(defaults="{bandwidth_in_mbps: 20000}")
    yield "value-defaults-payment", "defaults.billing.payment_timing: must be one of", \
        manifest(defaults="{billing: {payment_timing: free}}")
    yield "value-acceptance-name", "acceptances[0].name: invalid value", acc(name="Partner")
    yield "value-acceptance-vpc", "acceptances[0].local_vpc_id: invalid value", \
        acc(local_vpc_id="vpc_x")
    yield "value-acceptance-ignore-bandwidth", "acceptances[0].lifecycle.ignore_changes[0]", \
        acc(lifecycle="{ignore_changes: [bandwidth_in_mbps]}")
    yield "value-acceptance-account-null", "acceptances[0].peer_account_id: must not be null", \
        acc(peer_account_id="null")


PREPAID = "{payment_timing: Prepaid, reservation_length: 1}"


def rules() -> Iterator[tuple[str, str, str]]:
    yield "rule-prepaid-same-region-implicit", \
        "billing.payment_timing: same-region connections must be Postpaid", conn(billing=PREPAID)
    yield "rule-prepaid-same-region-explicit", "same-region connections must be Postpaid", \
        conn(billing=PREPAID, peer_region="bj")
    yield "rule-prepaid-same-region-lowercase", "same-region connections must be Postpaid", \
        conn(billing="{payment_timing: prepaid, reservation_length: 3}")
    yield "rule-prepaid-same-region-from-defaults", \
        "defaults.billing.payment_timing: same-region connections must be Postpaid", \
        manifest(defaults=f"{{billing: {PREPAID}}}")
    yield "rule-prepaid-without-length", \
        "connections[0].billing.reservation_length: Prepaid billing needs a reservation_length", \
        conn(billing="{payment_timing: Prepaid}", peer_region="gz")
    yield "rule-prepaid-without-length-defaults", "Prepaid billing needs a reservation_length", \
        manifest(defaults="{billing: {payment_timing: Prepaid}, peer_region: gz}")
    yield "rule-postpaid-with-length", \
        "billing.reservation_length: reservation_length applies only to Prepaid billing", \
        conn(billing="{payment_timing: Postpaid, reservation_length: 1}")
    yield "rule-default-postpaid-with-length", "reservation_length applies only to Prepaid", \
        conn(billing="{reservation_length: 6}")
    yield "rule-postpaid-with-renew", "renew_within_days applies only to Prepaid billing", \
        conn(billing="{renew_within_days: 7}")
    yield "rule-renew-window-covers-term", \
        "billing.renew_within_days: renew_within_days (30) must be shorter than the reservation", \
        conn(peer_vpc_id="vpc-gzapp01", peer_region="gz",
             billing="{payment_timing: Prepaid, reservation_length: 1, renew_within_days: 30}")
    yield "rule-defaults-length-without-timing", \
        "defaults.billing.reservation_length: reservation_length applies only to Prepaid", \
        manifest(defaults="{billing: {reservation_length: 1}}")
    yield "rule-peer-if-name-cross-account", \
        "connections[0].peer_if_name: peer_if_name can only be set when both VPCs are in the " \
        "same account", conn(peer_account_id='"acc-partner"', peer_if_name="db-from-app")
    yield "rule-same-vpc", "connections[0].peer_vpc_id: local_vpc_id and peer_vpc_id are the same",\
        conn(peer_vpc_id="vpc-app01")
    yield "rule-same-vpc-acceptance", "acceptances[0].peer_vpc_id: local_vpc_id and peer_vpc_id", \
        acc(peer_vpc_id="vpc-app01")
    yield "rule-prevent-destroy-absent", \
        "connections[0].ensure: ensure: absent contradicts lifecycle.prevent_destroy", \
        conn(ensure="absent", lifecycle="{prevent_destroy: true}")
    yield "rule-prevent-destroy-absent-defaults", "ensure: absent contradicts", \
        manifest(defaults="{lifecycle: {prevent_destroy: true}}", conns=[
            _merge(CONN, {"ensure": "absent"})])
    for slug, key in (("managed-by", "managed-by"), ("peerconn-stack", "peerconn-stack"),
                      ("mixed-case", "Managed-By")):
        yield f"rule-reserved-tag-{slug}", f"tags.{key}: tag key '{key}' is reserved", \
            conn(tags=f"{{{key}: x}}")
    yield "rule-reserved-tag-defaults", "defaults.tags.peerconn-stack: tag key", \
        manifest(defaults="{tags: {peerconn-stack: other}}")
    second = _merge(CONN, {"peer_vpc_id": "vpc-cache01"})
    yield "rule-duplicate-name", "connections[1].name: duplicate name 'app-to-db'", \
        manifest(conns=[dict(CONN), second])
    yield "rule-duplicate-name-acceptance", "acceptances[0].name: duplicate name 'app-to-db'", \
        manifest(accs=[_merge(ACC, {"name": "app-to-db"})])
    other = _merge(CONN, {"name": "second"})
    yield "rule-duplicate-pair", "connections[1].peer_vpc_id: a connection between vpc-app01 " \
        "and vpc-db0001 is already declared", manifest(conns=[dict(CONN), other])
    reverse = _merge(CONN, {"name": "second", "local_vpc_id": "vpc-db0001",
                            "peer_vpc_id": "vpc-app01"})
    yield "rule-duplicate-pair-reverse", "is already declared (in the other direction)", \
        manifest(conns=[dict(CONN), reverse])
    same_account_acc = _merge(ACC, {"local_vpc_id": "vpc-db0001", "peer_vpc_id": "vpc-app01"})
    yield "rule-duplicate-pair-acceptance", "acceptances[0].peer_vpc_id: a connection between", \
        manifest(accs=[same_account_acc])
    yield "rule-duplicate-pair-two-acceptances", "acceptances[1].peer_vpc_id: a connection", \
        acc() + "  - " + "\n    ".join(f"{k}: {v}" for k, v in _merge(
            ACC, {"name": "again"}).items()) + "\n"


def _local(*rules: str) -> str:
    return "{local: [" + ", ".join(rules) + "]}"


def route_values() -> Iterator[tuple[str, str, str]]:
    """Route fields the schema refuses: CIDR syntax, types, lengths, unknown keys."""
    where = "connections[0].routes.local[0]"
    for case, rule, expect in [
        ("destination-host-bits", "{destination: 10.30.0.1/16}",
         f"{where}.destination: '10.30.0.1/16' has host bits set"),
        ("destination-symbol-typo", "{destination: peer_vpx}", "did you mean 'peer_vpc'?"),
        ("destination-word", "{destination: database}", "write an IPv4 CIDR or one of peer_vpc"),
        ("destination-ipv6", "{destination: 'fd00::/8'}", "is an IPv6 network"),
        ("destination-address", "{destination: 10.30.0.0}", "is an address, not a CIDR"),
        ("destination-prefix-33", "{destination: 10.30.0.0/33}", "is not an IPv4 CIDR"),
        ("destination-leading-zero", "{destination: 10.030.0.0/16}", "is not an IPv4 CIDR"),
        ("destination-int", "{destination: 10}", f"{where}.destination: must be a string"),
        ("destination-null", "{destination: null}", f"{where}.destination: must not be null"),
        ("destination-missing", "{source: 10.1.1.0/24}",
         f"{where}.destination: missing required field"),
        ("source-host-bits", "{destination: 10.30.0.0/16, source: 10.1.1.7/24}",
         f"{where}.source: '10.1.1.7/24' has host bits set"),
        ("source-symbol", "{destination: 10.30.0.0/16, source: local_vpc}",
         f"{where}.source: 'local_vpc' is not an IPv4 CIDR"),
        ("source-empty", "{destination: 10.30.0.0/16, source: ''}", f"{where}.source: "),
        ("description-too-long", "{destination: 10.30.0.0/16, description: " + "d" * 201 + "}",
         f"{where}.description: is too long (201 characters; at most 200)"),
        ("description-int", "{destination: 10.30.0.0/16, description: 7}",
         f"{where}.description: must be a string; quote it"),
        ("unknown-field", "{destination: 10.30.0.0/16, nexthop: x}",
         f"{where}.nexthop: unknown field 'nexthop'"),
        ("unknown-field-typo", "{destinaton: 10.30.0.0/16}", "did you mean 'destination'?"),
        ("entry-string", "10.30.0.0/16", f"{where}: must be a mapping, not text"),
    ]:
        yield f"route-{case}", expect, conn(routes=_local(rule))
    yield "route-side-unknown", "connections[0].routes.remote: unknown field 'remote'", \
        conn(routes="{remote: []}")
    yield "route-side-null", "connections[0].routes.local: must not be null", \
        conn(routes="{local: null}")
    yield "route-side-empty-value", "connections[0].routes.local: must not be empty", \
        conn(routes="\n      local:")
    yield "route-side-mapping", "connections[0].routes.local: must be a list, not a mapping", \
        conn(routes="{local: {destination: peer_vpc}}")
    yield "route-routes-list", "connections[0].routes: must be a mapping, not a list", \
        conn(routes="[peer_vpc]")
    yield "route-acceptance-peer-side", "acceptances[0].routes.peer: unknown field 'peer'", \
        acc(routes="{peer: [{destination: local_vpc}]}")
    yield "route-acceptance-host-bits", "acceptances[0].routes.local[0].destination: '172.16.0.9/12'", \
        acc(routes=_local("{destination: 172.16.0.9/12}"))
    yield "route-defaults", "defaults.routes: unknown field 'routes'", \
        manifest(defaults="{routes: {local: [{destination: peer_vpc}]}}")


def route_rules() -> Iterator[tuple[str, str, str]]:
    """Route rules that span fields or entries."""
    cross = {"peer_vpc_id": "vpc-partner1", "peer_account_id": '"acc-partner"'}
    yield "route-peer-side-cross-account", "connections[0].routes.peer: routes.peer can only be " \
        "set when both VPCs are in the same account", \
        conn(**cross, routes="{peer: [{destination: local_vpc}]}")
    yield "route-peer-side-empty-cross-account", "routes.peer can only be set", \
        conn(**cross, routes="{peer: []}")
    yield "route-local-names-own-vpc", "connections[0].routes.local[0].destination: destination " \
        "local_vpc is the table's own VPC (vpc-app01)", conn(routes=_local("{destination: local_vpc}"))
    yield "route-peer-names-own-vpc", "connections[0].routes.peer[0].destination: destination " \
        "peer_vpc is the table's own VPC (vpc-db0001)", \
        conn(routes="{peer: [{destination: peer_vpc}]}")
    yield "route-acceptance-names-own-vpc", "acceptances[0].routes.local[0].destination: " \
        "destination local_vpc is the table's own VPC", acc(routes=_local("{destination: local_vpc}"))
    yield "route-ensure-absent", "connections[0].routes.local[0]: ensure: absent releases the " \
        "connection; it cannot carry routes", \
        conn(ensure="absent", routes=_local("{destination: 10.30.0.0/16}"))
    twice = "{destination: 10.30.0.0/16, source: 10.1.1.0/24}"
    yield "route-duplicate-in-one-list", "connections[0].routes.local[1].destination: a rule " \
        "from 10.1.1.0/24 to 10.30.0.0/16 is already declared for the route table of vpc-app01", \
        conn(routes=_local(twice, twice))
    yield "route-duplicate-symbolic", "routes.local[1].destination: a rule from 0.0.0.0/0 to " \
        "peer_vpc is already declared", \
        conn(routes=_local("{destination: peer_vpc}", "{destination: peer_vpc, description: b}"))
    db = "{destination: 172.20.0.0/16}"
    yield "route-duplicate-across-entries", "connections[1].routes.local[0].destination: a rule " \
        "from 0.0.0.0/0 to 172.20.0.0/16 is already declared for the route table of vpc-app01", \
        manifest(conns=[_merge(CONN, {"routes": _local(db)}),
                        _merge(CONN, {"name": "app-to-web", "peer_vpc_id": "vpc-web001",
                                      "routes": _local(db)})])
    yield "route-duplicate-peer-side-and-local-side", "connections[1].routes.local[0].destination:" \
        " a rule from 0.0.0.0/0 to 172.20.0.0/16 is already declared for the route table of " \
        "vpc-db0001", manifest(conns=[
            _merge(CONN, {"routes": "{peer: [" + db + "]}"}),
            _merge(CONN, {"name": "db-to-web", "local_vpc_id": "vpc-db0001",
                          "peer_vpc_id": "vpc-web001", "routes": _local(db)})])
    many = [f"{{destination: 10.{100 + i // 256}.{i % 256}.0/24}}" for i in range(51)]
    yield "route-too-many-in-one-list", "connections[0].routes.local[50]: the route table of " \
        "vpc-app01 would hold 51 declared rules; BCE allows at most 50", conn(routes=_local(*many))
    yield "route-too-many-across-entries", "connections[1].routes.local[20]: the route table of " \
        "vpc-app01 would hold 51 declared rules", manifest(conns=[
            _merge(CONN, {"routes": _local(*many[:30])}),
            _merge(CONN, {"name": "app-to-web", "peer_vpc_id": "vpc-web001",
                          "routes": _local(*many[30:])})])


def directories() -> Iterator[tuple[str, dict[str, str]]]:
    """Cases spanning files: (directory, {file name: text}); expectations name their file."""
    reverse = _merge(CONN, {"name": "db-to-app", "local_vpc_id": "vpc-db0001",
                            "peer_vpc_id": "vpc-app01"})
    yield "dir-duplicate-pair-reverse", {
        "a.yaml": manifest(),
        "b.yaml": "# expect: is already declared (in the other direction)\n"
                  + manifest(conns=[reverse]),
    }
    yield "dir-duplicate-pair-same", {
        "a.yaml": manifest(),
        "b.yml": "# expect: connections[0].peer_vpc_id: a connection between vpc-app01 and "
                 "vpc-db0001 is already declared\n"
                 + manifest(top={"stack": "other"}, conns=[_merge(CONN, {"name": "x"})]),
    }
    yield "dir-duplicate-name", {
        "a.yaml": manifest(),
        "sub/b.yaml": "# expect: duplicate name 'app-to-db' in stack 'corpus'\n"
                      + manifest(conns=[_merge(CONN, {"peer_vpc_id": "vpc-cache01"})]),
    }
    yield "dir-prune-disagreement", {
        "a.yaml": "# expect: files of stack 'corpus' disagree on prune\n"
                  + manifest(top={"prune": "true"}),
        "b.yaml": manifest(conns=[_merge(CONN, {"name": "other", "peer_vpc_id": "vpc-web001"})]),
    }
    yield "dir-errors-in-both-files", {
        "a.yaml": "# expect: connections[0].bandwidth_in_mbps: must be at most 10000\n"
                  + conn(bandwidth_in_mbps="99999"),
        "b.yaml": "# expect: region: must be one of\n" + manifest(top={"region": "xx"}),
    }
    yield "dir-request-and-reject", {
        "a.yaml": manifest(conns=[_merge(CONN, {"peer_vpc_id": "vpc-partner1",
                                                "peer_account_id": '"acc-partner"'})]),
        "b.yaml": "# expect: acceptances[0].accept: accept: false rejects a connection these "
                  "manifests request\n" + manifest(
            top={"stack": "partner"}, conns=[],
            accs=[_merge(ACC, {"local_vpc_id": "vpc-partner1", "peer_vpc_id": "vpc-app01",
                               "peer_account_id": '"acc-main"', "accept": "false"})]),
    }
    db = "{local: [{destination: 172.20.0.0/16, description: from a}]}"
    yield "dir-route-duplicate-across-files", {
        "a.yaml": manifest(conns=[_merge(CONN, {"routes": db})]),
        "b.yaml": "# expect: connections[0].routes.local[0].destination: a rule from 0.0.0.0/0 to "
                  "172.20.0.0/16 is already declared for the route table of vpc-app01\n"
                  + manifest(top={"stack": "other"}, conns=[_merge(CONN, {
                      "name": "app-to-web", "peer_vpc_id": "vpc-web001", "routes": db})]),
    }
    yield "dir-pair-acceptance-same-account", {
        "a.yaml": manifest(),
        "b.yaml": "# expect: acceptances[0].peer_vpc_id: a connection between\n" + manifest(
            top={"stack": "partner"}, conns=[],
            accs=[_merge(ACC, {"local_vpc_id": "vpc-db0001", "peer_vpc_id": "vpc-app01"})]),
    }


def cases() -> Iterator[tuple[str, str, str | bytes]]:
    yield from unknown_keys()
    yield from wrong_types()
    yield from missing_fields()
    yield from yaml_level()
    yield from yaml11_ids()
    yield from bad_values()
    yield from rules()
    yield from route_values()
    yield from route_rules()


def write(root: Path = CORPUS) -> int:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    count = 0
    for name, expect, text in cases():
        head = f"# expect: {expect}\n".encode()
        body = text if isinstance(text, bytes) else text.encode()
        target = root / f"{name}.yaml"
        if target.exists():
            raise SystemExit(f"duplicate case name {name}")
        target.write_bytes(head + body)
        count += 1
    for name, files in directories():
        for file_name, text in files.items():
            (root / name / file_name).parent.mkdir(parents=True, exist_ok=True)
            (root / name / file_name).write_text(text, encoding="utf-8")
        count += 1
    return count


if __name__ == "__main__":
    print(f"wrote {write()} cases to {CORPUS}")
