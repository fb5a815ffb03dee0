"""A tile map of Africa: one equal square per state on a fixed grid, placed roughly where the state lies.

Equal tiles let a small state (Cabo Verde, the Seychelles) count as much as a large one, which is what
a campaign with one mechanism per country needs. Rows run north to south, columns west to east.
"""
from __future__ import annotations

from dataclasses import dataclass

from campaigns.reporting.charts import TILE, shade

GRID: tuple[tuple[str, ...], ...] = (
    ("", "", "", "MA", "DZ", "TN", "LY", "EG", ""),
    ("CV", "", "MR", "ML", "NE", "TD", "SD", "ER", ""),
    ("", "SN", "GM", "BF", "NG", "CF", "SS", "ET", "DJ"),
    ("", "GW", "GN", "CI", "BJ", "CM", "UG", "KE", "SO"),
    ("", "SL", "LR", "GH", "TG", "GA", "CD", "RW", ""),
    ("", "", "ST", "GQ", "CG", "AO", "BI", "TZ", "SC"),
    ("", "", "", "", "NA", "ZM", "MW", "MZ", "KM"),
    ("", "", "", "", "BW", "ZW", "MG", "MU", ""),
    ("", "", "", "", "ZA", "SZ", "LS", "", ""),
)
COLUMNS = max(len(row) for row in GRID)
GAP = 3


def positions() -> dict[str, tuple[int, int]]:
    """Each state's (column, row) on the grid."""
    return {code: (column, row) for row, codes in enumerate(GRID) for column, code in enumerate(codes) if code}


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    value: int
    shade: int
    x: int
    y: int


@dataclass(frozen=True)
class TileMap:
    width: int
    height: int
    size: int
    tiles: list[Tile]


def tile_map(values: dict[str, int], names: dict[str, str]) -> TileMap:
    """Every state's tile with its value (stores) and shade class; the grid keeps west on the left in
    every language, as printed maps do."""
    top = max(values.values(), default=0)
    step = TILE + GAP
    tiles = [Tile(code, names.get(code, code), values.get(code, 0), shade(values.get(code, 0), top),
                  column * step, row * step) for code, (column, row) in sorted(positions().items())]
    return TileMap(COLUMNS * step, len(GRID) * step, TILE, tiles)
