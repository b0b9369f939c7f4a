"""The ``peerconn`` command line: parse → call → render → exit code; nothing else.

Every failure the package raises on purpose is rendered here as a one-line cause (plus
diagnostics and a hint) and an exit code; no traceback reaches the user. Exit codes:
0 success / no changes, 1 error, 2 changes present (``plan --detailed-exitcode``),
3 saved plan refused as stale.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from reconciler import __version__
from reconciler.cli.exitcodes import EXIT_ERROR, EXIT_OK, EXIT_STALE
from reconciler.cli.explain import explain
from reconciler.cli.interrupts import Signals, Stopped
from reconciler.errors import (
    ApiError,
    ConfigError,
    Diagnostic,
    ManifestError,
    PeerconnError,
    StalePlanError,
    UserError,
)

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
    "schema": "examples:\n  peerconn schema > manifest.schema.json\n"
              "  peerconn schema --out specs/manifest.schema.json --check   # in CI\n"
              "then, in a manifest: # yaml-language-server: $schema=manifest.schema.json",
    "sim": "examples:\n  peerconn sim serve --port 8080\n"
           "  peerconn sim serve --world examples/sim-world.yaml --state sim.json\n"
           "  peerconn plan examples/quickstart --endpoint http://127.0.0.1:8080\n"
           "  peerconn plan examples/quickstart --sim   # in-process, no server to start",
}


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors that keep exit code 2 free for "changes present".

    A mistyped option exits 1 (never 2, which ``plan --detailed-exitcode`` means as drift) and
    names the closest option the command has.
    """

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"Error: {message}{self._suggestion(message)}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        # A command's unknown option is reported by that command's parser, with its usage
        # (argparse would hand it up to the top-level parser).
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    def _suggestion(self, message: str) -> str:
        if "unrecognized arguments" not in message:
            return ""
        known = sorted(_long_options(self))
        for word in message.split(":", 1)[1].split():
            if word.startswith("--"):
                close = difflib.get_close_matches(word.split("=")[0], known, n=1, cutoff=0.6)
                if close:
                    return f" (did you mean {close[0]}?)"
        return ""


def _long_options(parser: argparse.ArgumentParser) -> set[str]:
    """Every ``--option`` of the parser and of its commands (argparse reports an unknown
    option of a command from the top-level parser)."""
    found: set[str] = set()
    for action in parser._actions:
        found.update(o for o in action.option_strings if o.startswith("--"))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _long_options(sub)
    return found


def _int_in(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{number} is out of range ({low} to {high})")
        return number
    return parse


def _seconds(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < number <= 86400:
        raise argparse.ArgumentTypeError(f"{text} is out of range (more than 0, at most 86400)")
    return number


def _common(sub: argparse.ArgumentParser) -> None:
    g = sub.add_argument_group("common options")
    g.add_argument("--endpoint", help="API endpoint URL (default https://bcc.<region>.baidubce.com)")
    g.add_argument("--region", help="region for commands that take no manifest")
    g.add_argument("--profile", help="credentials profile for manifests that name none")
    g.add_argument("--sim", action="store_true",
                   help="use the embedded local simulator (state in .peerconn-sim/)")
    g.add_argument("--sim-world", metavar="FILE",
                   help="the embedded simulator with this world file (implies --sim)")
    g.add_argument("--log-level", default="warning",
                   choices=["debug", "info", "warning", "error"], help="log detail on stderr")
    g.add_argument("--no-color", action="store_true", help="no colour (also: NO_COLOR set)")


def _run_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--target", action="append", metavar="NAME",
                     help="limit to this connection (repeatable)")
    sub.add_argument("--parallelism", type=_int_in(1, 256), default=10, metavar="N",
                     help="concurrent API calls, 1 to 256 (default 10)")
    sub.add_argument("--max-per-vpc", type=_int_in(1, 10_000), default=10, metavar="N",
                     help="peering connections BCE allows per VPC (default 10)")
    sub.add_argument("--max-per-account", type=_int_in(1, 100_000), default=10, metavar="N",
                     help="peering connections BCE allows per account (default 10)")


def build_parser() -> argparse.ArgumentParser:
    from reconciler.cli.commands import handlers
    from reconciler.simulator.cli import add_parser as add_sim_parser

    parser = _Parser(
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

    p = subs.add_parser("plan", help="show the changes that make the cloud match the manifests",
                        epilog=_EXAMPLES["plan"], formatter_class=fmt)
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="manifest files or directories (default: the current directory)")
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
    a.add_argument("paths", nargs="*", metavar="PLANFILE|PATH",
                   help="a saved plan, or manifests to plan first (default: the current "
                        "directory)")
    a.add_argument("--auto-approve", action="store_true", help="apply without asking")
    a.add_argument("--timeout", type=_seconds, default=600.0, metavar="SECONDS",
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

    _add_extra_parsers(subs, fmt, h)
    sim = add_sim_parser(subs)
    sim.epilog, sim.formatter_class = _EXAMPLES["sim"], fmt
    return parser


def _add_extra_parsers(subs: argparse._SubParsersAction,
                       fmt: type[argparse.RawDescriptionHelpFormatter],
                       h: dict[str, Callable[[argparse.Namespace], int]]) -> None:
    e = subs.add_parser("export", help="write live connections as a manifest (adoption)",
                        epilog=_EXAMPLES["export"], formatter_class=fmt)
    e.add_argument("--vpc", action="extend", nargs="+", required=True, metavar="VPC_ID",
                   help="VPC whose connections to export (repeatable)")
    e.add_argument("--stack", metavar="NAME", help="stack of the manifest (default: the "
                   "peerconn-stack tag the connections share, else 'adopted')")
    e.add_argument("--out", metavar="FILE", help="write the manifest here (default: stdout)")
    e.add_argument("--parallelism", type=_int_in(1, 256), default=10, metavar="N",
                   help="concurrent list calls (default 10)")
    _common(e)
    e.set_defaults(handler=h["export"])

    g = subs.add_parser("graph", help="draw the topology as a Mermaid diagram",
                        epilog=_EXAMPLES["graph"], formatter_class=fmt)
    g.add_argument("paths", nargs="*", metavar="PATH",
                   help="manifest files or directories (default: the current directory)")
    g.add_argument("--live", action="store_true",
                   help="plan against the live connections and colour the planned changes")
    _run_options(g)
    _common(g)
    g.set_defaults(handler=h["graph"])

    sc = subs.add_parser("schema", help="print the manifest JSON Schema (for editors)",
                         epilog=_EXAMPLES["schema"], formatter_class=fmt)
    sc.add_argument("--out", metavar="FILE", help="write it to FILE instead of stdout")
    sc.add_argument("--check", action="store_true",
                    help="with --out: exit 1 unless FILE holds the current schema")
    sc.set_defaults(handler=h["schema"])


def _deprecated_sim_world(argv: Sequence[str]) -> list[str]:
    """``--sim=WORLD`` (before ``--sim-world`` existed) still works, with a note."""
    out = []
    for arg in argv:
        if arg.startswith("--sim="):
            print("Note: --sim=FILE is deprecated; use --sim-world FILE", file=sys.stderr)
            out += ["--sim-world", arg.removeprefix("--sim=")]
        else:
            out.append(arg)
    return out


def _check_region(args: argparse.Namespace) -> None:
    """``--region`` is refused with the known regions on every command, not only where used."""
    from reconciler.model import REGIONS

    region = getattr(args, "region", None)
    if region and region.strip().lower() not in REGIONS:
        raise ConfigError(Diagnostic(f"unknown region {region!r}",
                                     hint=f"use one of {', '.join(REGIONS)}"))


def _print_manifest_problems(exc: ManifestError) -> None:
    """The first problems in file order, then how many more: a flood stays readable (the
    whole list is ``peerconn validate --all-errors``)."""
    from reconciler.manifest.report import SHOWN, count_line, invalid, plural

    outcome = invalid(exc, SHOWN)
    for diag in outcome.shown:
        print(f"Error: {diag.render()}", file=sys.stderr)
    hidden = outcome.problems - len(outcome.shown)
    if hidden > 0:
        print(f"... and {plural(hidden, 'more problem')} (fix these first, or list them all "
              "with `peerconn validate --all-errors`)", file=sys.stderr)
    print(count_line(outcome), file=sys.stderr)


def _default_paths(args: argparse.Namespace) -> None:
    """No PATH plans the current directory, as Terraform does."""
    if hasattr(args, "paths") and not args.paths:
        args.paths = ["."]


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
    args = parser.parse_args(_deprecated_sim_world(sys.argv[1:] if argv is None else argv))
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_OK
    _default_paths(args)
    _setup_logging(getattr(args, "log_level", "warning"))
    # The handlers live here, the cancellation token they set travels in ``args``: apply
    # hands it to the executor, which never sees a signal.
    args.signals = signals = Signals()
    signals.install()
    try:
        _check_region(args)
        return int(args.handler(args))
    except ManifestError as exc:
        _print_manifest_problems(exc)
        return EXIT_ERROR
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
    except KeyboardInterrupt as exc:
        print("Interrupted.", file=sys.stderr)
        return 128 + (exc.signum if isinstance(exc, Stopped) else signal.SIGINT)
    finally:
        if signals.signum is None:
            # After a signal the process is ending: keep our handler, so that a second
            # Ctrl-C while threads finish exits at once instead of printing a traceback.
            signals.restore()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
