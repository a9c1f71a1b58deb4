"""The layering of docs/architecture.md, held against the code's imports.

- import-linter's contracts (pyproject.toml, [tool.importlinter]): the layers, nothing below the
  CLI importing it, the product importing neither the lab nor its services nor asyncssh;
- every package of digikel is named in those contracts, so a new one cannot slip past them;
- no import cycle between modules, beyond the ones named below as owed;
- the product imports and `digikel --help` runs with the lab extra absent.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "cli" / "digikel"
LAB = {"lab", "labsvc"}

# Cycles between two modules of one package that predate this test; each is its package's to
# break (the layers contract already keeps packages acyclic). A new cycle fails the test.
OWED_CYCLES = {
    frozenset({"digikel.inventory.hostvars", "digikel.inventory.model"}),
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)


def _contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def _top_level() -> set[str]:
    """digikel's packages and modules, as the layers name them."""
    names = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    names |= {p.stem for p in PACKAGE.glob("*.py") if not p.name.startswith("__")}
    return names


def test_the_import_contracts_are_kept() -> None:
    done = _run(str(Path(sys.executable).parent / "lint-imports"), "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout, done.stdout


def test_every_package_is_in_the_contracts() -> None:
    contracts = _contracts()
    layered: set[str] = set()
    for layer in contracts["layers"]["layers"]:  # type: ignore[attr-defined]
        layered |= {name.strip() for name in layer.split("|")}
    packages = _top_level()
    assert packages == layered, "name it in a layer of pyproject.toml's [tool.importlinter]"
    below_cli = {m.removeprefix("digikel.") for m in contracts["no-cli-below"]["source_modules"]}  # type: ignore[attr-defined]
    assert below_cli == packages - {"cli"}
    product = {m.removeprefix("digikel.") for m in contracts["no-lab-in-product"]["source_modules"]}  # type: ignore[attr-defined]
    assert product == packages - {"cli"} - LAB


def test_the_diagram_of_docs_architecture_is_the_layers_contract() -> None:
    text = (REPO / "docs" / "architecture.md").read_text()
    diagram = text.split("## The layers", 1)[1].split("```", 2)[1]
    drawn = [
        re.split(r"\s{2,}", line.strip())[0]
        for line in diagram.splitlines()
        if line.strip() and not line.strip().startswith("│")
    ]
    layers = [
        " | ".join(n.strip() for n in layer.split("|"))
        for layer in _contracts()["layers"]["layers"]
    ]  # type: ignore[attr-defined]
    assert drawn == layers


def _cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    adjacency = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in sorted(adjacency):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = [t for t in adjacency[node] if t in adjacency]
            if i < len(targets):
                work.append((node, i + 1))
                target = targets[i]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def test_no_new_import_cycle() -> None:
    graph = grimp.build_graph("digikel", exclude_type_checking_imports=True)
    cycles = {frozenset(c) for c in _cycles(graph)}
    assert cycles <= OWED_CYCLES, sorted(sorted(c) for c in cycles - OWED_CYCLES)


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(module)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.a")
    graph.add_import(importer="p.c", imported="p.a")
    assert _cycles(graph) == [{"p.a", "p.b"}]


WITHOUT_THE_LAB = r"""
import importlib, importlib.abc, io, pkgutil, sys, contextlib

BLOCKED = ("digikel.lab", "digikel.labsvc", "asyncssh")

class NoLab(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in BLOCKED):
            raise ModuleNotFoundError(f"No module named {name!r} (the lab extra is absent)")
        return None

sys.meta_path.insert(0, NoLab())
import digikel

imported = 0
for info in pkgutil.walk_packages(digikel.__path__, "digikel."):
    name = info.name
    if name.startswith(BLOCKED) or name.endswith("__main__") or ".migrations" in name:
        continue
    importlib.import_module(name)
    imported += 1

from digikel.cli import main
out = io.StringIO()
sys.argv = ["digikel", "--help"]
with contextlib.redirect_stdout(out):
    try:
        main()
    except SystemExit as exc:
        assert exc.code in (0, None), exc.code
assert "rollout" in out.getvalue(), out.getvalue()
assert not [m for m in sys.modules if m.startswith(BLOCKED)]
print(imported)
"""


def test_the_product_runs_without_the_lab_extra() -> None:
    done = _run(sys.executable, "-c", WITHOUT_THE_LAB)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip().splitlines()[-1]) > 80  # every product module, not a few


def test_the_blocker_would_see_a_product_import_of_the_lab() -> None:
    probe = WITHOUT_THE_LAB.replace("import digikel\n", "import digikel\nimport digikel.labsvc\n")
    done = _run(sys.executable, "-c", probe)
    assert done.returncode != 0
    assert "the lab extra is absent" in done.stderr


WITHOUT_ASYNCSSH = r"""
import importlib.abc, sys

class NoAsyncssh(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "asyncssh" or name.startswith("asyncssh."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoAsyncssh())
from digikel.cli import main
sys.argv = ["digikel", "lab", "start", "--site", "loa-bakung", "--state-dir", sys.argv[1]]
main()
"""


def test_a_lab_command_without_the_lab_extra_says_how_to_get_it(tmp_path) -> None:
    done = _run(sys.executable, "-c", WITHOUT_ASYNCSSH, str(tmp_path / "lab"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "pip install 'digikel[lab]'" in done.stderr
    assert "asyncssh is missing" in done.stderr
    assert "Traceback" not in done.stderr
