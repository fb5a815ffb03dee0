"""The storefront core knows no feature: modules under `marketplace/core/` import only the core itself and
the unbound extensions, and name no feature's view or table. Features build on the core and register with it
(page-cache tables, the home endpoint in config), never the reverse."""
from __future__ import annotations

import ast

from config import TestingConfig
from marketplace import create_app
from marketplace.extensions import db
from tests.unit.test_import_cycles import ROOT, import_graph

CORE = "marketplace.core"
ALLOWED = (CORE, "marketplace.extensions")


def is_core(module: str) -> bool:
    return module == CORE or module.startswith(CORE + ".")


def feature_imports(graph: dict[str, set[str]]) -> dict[str, list[str]]:
    """For each core module, the modules it imports that are neither core nor the extensions."""
    found = {}
    for module, targets in graph.items():
        if is_core(module):
            outside = sorted(t for t in targets if not any(t == a or t.startswith(a + ".") for a in ALLOWED))
            if outside:
                found[module] = outside
    return found


def test_the_checker_finds_a_feature_import():
    graph = {"marketplace.core.views": {"marketplace.catalog.services", "marketplace.core.site"},
             "marketplace.core.site": {"marketplace.extensions"}, "marketplace.catalog.views": {"marketplace.core"}}
    assert feature_imports(graph) == {"marketplace.core.views": ["marketplace.catalog.services"]}


def test_no_core_module_imports_a_feature_or_the_campaign():
    graph = import_graph()
    assert any(is_core(module) for module in graph)
    assert feature_imports(graph) == {}


def test_no_core_module_names_a_features_view_or_table():
    blueprints = create_app(TestingConfig).blueprints.values()
    features = {bp.name for bp in blueprints if not is_core(bp.import_name)}
    tables = set(db.metadata.tables)
    assert "campaigns" in features and "catalog" in features and {"products", "festivals"} <= tables
    named = []
    for path in sorted((ROOT / "marketplace" / "core").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if "." in node.value and node.value.partition(".")[0] in features or node.value in tables:
                    named.append(f"{path.name}: {node.value}")
    assert named == []
