from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import SimWorld, world_data


@pytest.fixture
def make_world(tmp_path: Path) -> Iterator:
    worlds: list[SimWorld] = []

    def make(**overrides) -> SimWorld:
        world = SimWorld(tmp_path, world_data(**overrides))
        worlds.append(world)
        return world

    yield make
    for world in worlds:
        world.stop()


@pytest.fixture
def world(make_world) -> SimWorld:
    return make_world()
