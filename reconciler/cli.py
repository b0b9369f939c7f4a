"""The ``peerconn`` command line: parse → call → render → exit code; nothing else.

Every failure the package raises on purpose is rendered here as a one-line cause (plus
diagnostics and a hint) and an exit code; no traceback reaches the user. Exit codes:
0 success / no changes, 1 error, 2 changes present (``plan --detailed-exitcode``),
3 saved plan refused as stale.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from reconciler import __version__
from reconciler.errors import ApiError, PeerconnError, StalePlanError, UserError
from reconciler.explain import explain

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_STALE = 0, 1, 2, 3

_EPILOG = """exit codes: 0 success / no changes, 1 error, 2 changes present
(plan --detailed-exitcode), 3 saved plan refused as stale"""

_EXAMPLES = {
    "validate": "examples:\n  peerconn validate manifests/\n  peerconn validate a.yaml b.yaml\n"
                "  peerconn validate manifests/ --format github   # annotations in GitHub Actions",
    "plan": "examples:\n  peerconn plan manifests/ --sim\n"
            "  peerconn plan manifests/ --out plan.json --format markdown\n"
            "  peerconn plan manifests/ --detailed-exitcode   # 2 when there is drift",
    "apply": "examples:\n  peerconn apply plan.json                    # a reviewed saved plan\n"
             "  peerconn apply manifests/ --auto-approve    # plan and apply unattended",
    "show": "examples:\n  peerconn show plan.json --format markdown",
    "export": "examples:\n  peerconn export --vpc vpc-app01 --region bj --out adopted.yaml\n"
              "  peerconn export --vpc vpc-app01 vpc-db0001 --region bj --stack prod-network\n"
              "  peerconn export --vpc vpc-partner1 --region bj --profile partner --sim\n"
              "then check the adoption: peerconn plan adopted.yaml   # shows no changes",
    "graph": "examples:\n  peerconn graph manifests/ > topology.mmd\n"
             "  peerconn graph manifests/ --live --sim     # planned changes coloured\n"
             "  peerconn plan manifests/ --format markdown --graph   # inside the plan",
    "sim": "examples:\n  peerconn sim serve --port 8080\n"
           "  peerconn sim serve --world examples/sim-world.yaml --state sim.json\n"
           "  peerconn plan examples/quickstart --endpoint http://127.0.0.1:8080\n"
           "  peerconn plan examples/quickstart --sim   # in-process, no server to start",
}


class _UsageErrorExitsOne(argparse.ArgumentParser):
    """A sub-command parser whose usage errors (unknown options included) exit 1."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def _common(sub: argparse.ArgumentParser) -> None:
    g = sub.add_argument_group("common options")
    g.add_argument("--endpoint", help="API endpoint URL (default https://bcc.<region>.baidubce.com)")
    g.add_argument("--region", help="region for commands that take no manifest")
    g.add_argument("--profile", help="credentials profile for manifests that name none")
    g.add_argument("--sim", nargs="?", const="", default=None, metavar="WORLD",
                   help="use the embedded local simulator (state in .peerconn-sim/); "
                        "write --sim=WORLD.yaml to choose its world")
    g.add_argument("--log-level", default="warning",
                   choices=["debug", "info", "warning", "error"], help="log detail on stderr")
    g.add_argument("--no-color", action="store_true", help="no colour (also: NO_COLOR set)")


def _run_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--target", action="append", metavar="NAME",
                     help="limit to this connection (repeatable)")
    sub.add_argument("--parallelism", type=int, default=10, metavar="N",
                     help="concurrent API calls (default 10)")
    sub.add_argument("--max-per-vpc", type=int, default=10, metavar="N",
                     help="peering connections BCE allows per VPC (default 10)")
    sub.add_argument("--max-per-account", type=int, default=10, metavar="N",
                     help="peering connections BCE allows per account (default 10)")


def build_parser() -> argparse.ArgumentParser:
    from reconciler.commands import handlers
    from reconciler.simulator.cli import add_parser as add_sim_parser

    parser = argparse.ArgumentParser(
        prog="peerconn", epilog=_EPILOG,
        description="Declarative reconciler for Baidu AI Cloud (BCE) VPC peering connections.")
    parser.add_argument("--version", action="version", version=f"peerconn {__version__}")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")
    fmt = argparse.RawDescriptionHelpFormatter
    h = handlers()

    v = subs.add_parser("validate", help="check manifests offline (no credentials)",
                        epilog=_EXAMPLES["validate"], formatter_class=fmt)
    v.add_argument("paths", nargs="+", metavar="PATH")
    v.add_argument("--format", choices=["text", "json", "github"], default="text",
                   help="text (default), json (every problem, for tools) or github "
                        "(GitHub Actions annotations)")
    v.add_argument("--all-errors", action="store_true",
                   help="show every problem (default: the first 50, then how many more)")
    _common(v)
    v.set_defaults(handler=h["validate"])
    v.__class__ = _UsageErrorExitsOne  # validate's own usage errors exit 1, not argparse's 2

    p = subs.add_parser("plan", help="show the changes that make the cloud match the manifests",
                        epilog=_EXAMPLES["plan"], formatter_class=fmt)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--out", metavar="FILE", help="save the plan (JSON) for `peerconn apply FILE`")
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    p.add_argument("--detailed-exitcode", action="store_true",
                   help="exit 2 when there are changes, 0 when none")
    p.add_argument("--graph", action="store_true",
                   help="with --format markdown: put a Mermaid diagram of the topology, "
                        "planned changes coloured, above the changes")
    _run_options(p)
    _common(p)
    p.set_defaults(handler=h["plan"])

    a = subs.add_parser("apply", help="apply a saved plan, or plan and apply manifests",
                        epilog=_EXAMPLES["apply"], formatter_class=fmt)
    a.add_argument("paths", nargs="+", metavar="PLANFILE|PATH")
    a.add_argument("--auto-approve", action="store_true", help="apply without asking")
    a.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                   help="longest wait for one asynchronous status (default 600)")
    _run_options(a)
    _common(a)
    a.set_defaults(handler=h["apply"])

    s = subs.add_parser("show", help="render a saved plan", epilog=_EXAMPLES["show"],
                        formatter_class=fmt)
    s.add_argument("planfile", metavar="PLANFILE")
    s.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    _common(s)
    s.set_defaults(handler=h["show"])

    _add_extra_parsers(subs, fmt)
    sim = add_sim_parser(subs)
    sim.epilog, sim.formatter_class = _EXAMPLES["sim"], fmt
    return parser


def _add_extra_parsers(subs: argparse._SubParsersAction,
                       fmt: type[argparse.RawDescriptionHelpFormatter]) -> None:
    from reconciler.commands_extra import cmd_export, cmd_graph

    e = subs.add_parser("export", help="write live connections as a manifest (adoption)",
                        epilog=_EXAMPLES["export"], formatter_class=fmt)
    e.add_argument("--vpc", action="extend", nargs="+", required=True, metavar="VPC_ID",
                   help="VPC whose connections to export (repeatable)")
    e.add_argument("--stack", metavar="NAME", help="stack of the manifest (default: the "
                   "peerconn-stack tag the connections share, else 'adopted')")
    e.add_argument("--out", metavar="FILE", help="write the manifest here (default: stdout)")
    e.add_argument("--parallelism", type=int, default=10, metavar="N",
                   help="concurrent list calls (default 10)")
    _common(e)
    e.set_defaults(handler=cmd_export)

    g = subs.add_parser("graph", help="draw the topology as a Mermaid diagram",
                        epilog=_EXAMPLES["graph"], formatter_class=fmt)
    g.add_argument("paths", nargs="+", metavar="PATH")
    g.add_argument("--live", action="store_true",
                   help="plan against the live connections and colour the planned changes")
    _run_options(g)
    _common(g)
    g.set_defaults(handler=cmd_graph)


def _fix_sim_argument(args: argparse.Namespace) -> None:
    """``--sim PATH``: a manifest path right after ``--sim`` is a path, not a world file."""
    value = getattr(args, "sim", None)
    if not value or not hasattr(args, "paths"):
        return
    candidate = Path(value)
    is_world = candidate.is_file() and any(
        line.startswith("accounts:") for line in candidate.read_text(errors="replace").splitlines())
    if not is_world:
        args.paths = [value, *args.paths]
        args.sim = ""


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.WARNING),
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def _asks_version(argv: Sequence[str]) -> bool:
    """``--version`` (or an abbreviation argparse accepts, e.g. ``--vers``) comes first.

    argparse acts on it before anything else, so answering here is the same answer; it
    spares ``peerconn --version`` importing every command (pydantic, requests, deepdiff).
    """
    return bool(argv) and len(argv[0]) > 2 and "--version".startswith(argv[0])


def main(argv: Sequence[str] | None = None) -> int:
    if _asks_version(sys.argv[1:] if argv is None else argv):
        print(f"peerconn {__version__}")
        raise SystemExit(EXIT_OK)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_OK
    _fix_sim_argument(args)
    _setup_logging(getattr(args, "log_level", "warning"))
    try:
        return int(args.handler(args))
    except UserError as exc:
        for diag in exc.diagnostics:
            print(f"Error: {diag.render()}", file=sys.stderr)
        return EXIT_ERROR
    except StalePlanError as exc:
        print("Error: the saved plan is stale; nothing was changed.", file=sys.stderr)
        for change in exc.changes:
            print(f"  - {change}", file=sys.stderr)
        print("Run `peerconn plan` again and review the new plan.", file=sys.stderr)
        return EXIT_STALE
    except ApiError as exc:
        print(f"Error: {explain(exc).render()}", file=sys.stderr)
        return EXIT_ERROR
    except PeerconnError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
