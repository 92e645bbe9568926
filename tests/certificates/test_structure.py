"""How certificates/ is put together: a pure library, one QR encoder, small modules with docstrings."""

import ast
from pathlib import Path

import pytest

import certificates

PACKAGE = Path(certificates.__file__).resolve().parent
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def top(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_library(path):
    assert not top(imported_modules(path)) & {"server", "litestar", "piccolo"}


def test_one_qr_encoder():
    """Only certificates/qr.py talks to the qrcode library; nothing else encodes QR symbols."""
    users = [p.relative_to(PACKAGE).as_posix() for p in MODULES if "qrcode" in top(imported_modules(p))]
    assert users == ["qr.py"]
    # no hand-rolled pieces of an encoder anywhere (Reed-Solomon tables, mask penalties, module placement)
    for path in MODULES:
        source = path.read_text(encoding="utf-8")
        for marker in ("0x11D", "rs_blocks", "mask_func", "lost_point", "map_data"):
            assert marker not in source, f"{path.name}: {marker}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_are_small_and_say_what_they_are(path):
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) < 500
    if path.name != "__init__.py" or path.parent == PACKAGE:
        assert ast.get_docstring(ast.parse(source)), f"{path.name} has no module docstring"
