"""Suite-wide options: tests marked ``slow`` run only with ``--runslow`` or PEERCONN_SLOW=1.

The end-to-end fixtures (``make_world``, ``world``) come from ``tests.harness``."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.harness"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False,
                     help="also run the tests marked slow (or set PEERCONN_SLOW=1)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow") or os.environ.get("PEERCONN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow variant: run with --runslow or PEERCONN_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
