"""A Markdown plan always fits in a pull-request comment, cut cleanly with a pointer to the
saved plan artifact: whole change blocks only, notes cut at a whole note, an oversized
diagram left out rather than broken."""

from __future__ import annotations

import re

import pytest

from reconciler.plan import Action, Change, Note, NoteLevel, PeerConnTarget, Plan, ResourceKind
from reconciler.render import render_markdown

GITHUB_COMMENT_LIMIT = 65_536


def many_changes(n: int, notes: int = 0) -> Plan:
    changes = tuple(
        Change(address=f"net/link-{i:04d}", resource=ResourceKind.PEERCONN,
               action=Action.CREATE, stack="net", name=f"link-{i:04d}",
               target=PeerConnTarget(profile=None, region="bj", local_vpc_id=f"vpc-a{i}",
                                     peer_vpc_id=f"vpc-b{i}", peer_region="bj"),
               reasons=(f"no live connection for vpc-a{i}<->vpc-b{i}",), fields=(), steps=(),
               basis={}, fingerprint="",
               attributes={"bandwidth_in_mbps": 100, "description": "d" * 80})
        for i in range(n))
    extra = tuple(Note(NoteLevel.INFO, f"net/link-{i:04d}", "adopting an untagged one " * 4)
                  for i in range(notes))
    return Plan(created_at="2026-01-01T00:00:00Z", stacks=("net",), changes=changes,
                notes=extra)


@pytest.mark.parametrize("changes, notes, graph", [
    pytest.param(3000, 0, "", id="many-changes"),
    pytest.param(3000, 3000, "", id="many-changes-and-notes"),
    pytest.param(3000, 10, "flowchart LR\n" + "  a <--> b\n" * 5000, id="huge-diagram"),
])
def test_a_long_plan_is_cut_to_fit_a_comment_with_a_pointer_to_the_artifact(changes, notes,
                                                                             graph):
    text = render_markdown(many_changes(changes, notes), graph=graph, plan_file="out/plan-42.json")
    assert len(text) <= GITHUB_COMMENT_LIMIT
    shown = text.count("<details>")
    assert 0 < shown < changes
    assert text.count("</details>") == shown  # whole blocks only
    assert text.count("```") % 2 == 0  # no fence left open
    assert f"**{changes - shown} more change(s) not shown:**" in text
    assert "The full plan: `peerconn show out/plan-42.json`." in text
    assert text.startswith("### peerconn plan: 3000 to create")


def test_notes_are_cut_at_a_whole_note_and_say_how_many_are_left():
    text = render_markdown(many_changes(1, notes=3000))
    listed = len(re.findall(r"^- note `", text, flags=re.MULTILINE))
    assert 0 < listed < 3000
    assert f"- {3000 - listed} more note(s) not shown" in text


def test_an_oversized_diagram_is_left_out_not_cut():
    text = render_markdown(many_changes(5), graph="flowchart LR\n" + "  a <--> b\n" * 8000)
    assert "```mermaid" not in text
    assert "The topology diagram is left out" in text
    assert text.count("<details>") == 5


def test_a_plan_that_fits_is_shown_whole():
    text = render_markdown(many_changes(20), graph="flowchart LR\n  a <--> b\n")
    assert text.count("<details>") == 20
    assert "not shown" not in text
    assert "```mermaid\nflowchart LR\n  a <--> b\n```" in text


def test_without_a_saved_plan_the_pointer_says_how_to_save_one():
    text = render_markdown(many_changes(3000))
    assert "Save the full plan with `peerconn plan ... --out FILE`" in text
    assert "plan.json" not in text


def test_warnings_come_before_the_changes_and_stay_bounded():
    plan = many_changes(3)
    warned = Plan(created_at=plan.created_at, stacks=plan.stacks, changes=plan.changes,
                  notes=(Note(NoteLevel.WARNING, "net/link-0001", "initiated from the other side"),
                         Note(NoteLevel.INFO, "net/link-0002", "adopting an untagged one")))
    text = render_markdown(warned)
    assert text.index("initiated from the other side") < text.index("<details>")
    assert text.index("adopting an untagged one") > text.rindex("</details>")
    flood = Plan(created_at=plan.created_at, stacks=plan.stacks, changes=plan.changes,
                 notes=tuple(Note(NoteLevel.WARNING, f"net/x{i}", "w" * 100) for i in range(5000)))
    text = render_markdown(flood)
    assert len(text) <= GITHUB_COMMENT_LIMIT and "more warning(s) not shown" in text
    assert text.count("<details>") == 3
