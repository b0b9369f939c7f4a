"""``peerconn sim serve``: run the simulator in the foreground until Ctrl-C.

Owns: the ``sim`` sub-command's arguments, folding command-line fault flags into the world,
and printing the URL and the accounts' access keys (never their secrets). Registered by
``reconciler/cli/`` through ``add_parser``. Must not contain simulator behaviour.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reconciler.errors import ConfigError, Diagnostic
from reconciler.simulator.world import FAULT_KINDS, World, load_world


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``sim`` (with its ``serve`` action) on the main parser's sub-parsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sim", help="run the local BCE peering-connection simulator",
        description="The local BCE peering-connection simulator (specs/simulator.md).")
    actions = parser.add_subparsers(dest="sim_command", metavar="ACTION", required=True)
    serve = actions.add_parser("serve", help="serve the simulator on 127.0.0.1 until Ctrl-C")
    serve.add_argument("--world", type=Path, help="world file (default: the bundled world)")
    serve.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    serve.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    serve.add_argument("--state", type=Path, help="JSON file the state is kept in across runs")
    serve.add_argument("--seed", type=int, help="seed for ids and faults (reproducible runs)")
    serve.add_argument("--latency-ms", type=int, help="added latency per API request")
    serve.add_argument("--error-rate", type=float, help="probability of a fault per API request")
    serve.add_argument("--fault-kinds", help=f"comma-separated subset of {','.join(FAULT_KINDS)}")
    serve.add_argument("--ignore-client-tokens", action="store_true", default=None,
                       help="ignore clientToken (no idempotent replay)")
    serve.add_argument("--list-lag-s", type=float, help="hide new connections from list this long")
    parser.set_defaults(handler=run)
    serve.set_defaults(handler=run)
    return parser


def with_flags(world: World, args: argparse.Namespace) -> World:
    """The world with its ``faults`` overridden by the flags that were given."""
    changes: dict[str, Any] = {}
    for flag in ("latency_ms", "error_rate", "ignore_client_tokens", "list_lag_s", "seed"):
        value = getattr(args, flag, None)
        if value is not None:
            changes[flag] = value
    if getattr(args, "fault_kinds", None):
        changes["kinds"] = tuple(k.strip() for k in args.fault_kinds.split(",") if k.strip())
    if not changes:
        return world
    try:
        faults = type(world.faults).model_validate({**world.faults.model_dump(), **changes})
    except ValidationError as exc:
        raise ConfigError([Diagnostic(f"--{'.'.join(map(str, err['loc'])).replace('_', '-')}: {err['msg']}")
                           for err in exc.errors()]) from None
    return world.model_copy(update={"faults": faults})


def run(args: argparse.Namespace) -> int:
    from reconciler.simulator.server import SimServer  # here: building the parser stays light

    world = with_flags(load_world(args.world), args)
    try:
        sim = SimServer(world, host=args.host, port=args.port, seed=args.seed, state_path=args.state)
        sim.start()
    except (ValueError, OSError) as exc:
        raise ConfigError(Diagnostic(f"cannot start the simulator: {exc}")) from None
    print(f"peerconn simulator listening on {sim.url}", flush=True)
    for account in world.accounts:
        profile = f" (profile {account.profile})" if account.profile else ""
        print(f"  account {account.id}{profile}: access key {account.access_key}", flush=True)
    if args.state:
        print(f"  state kept in {args.state}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        print("stopped.", file=sys.stderr)
    finally:
        sim.stop()
    return 0
