"""Fixtures: the in-process simulator and CLI runner of ``tests.cli_harness``."""

from tests.cli_harness import start_cli as start_cli
