"""The dependency rule of docs/architecture.md, checked on the source text and at import time."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(pkg: str):
    pat = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_][\w.]*)", re.M)
    for path in (ROOT / pkg).rglob("*.py"):
        for m in pat.finditer(path.read_text(encoding="utf-8")):
            parts = m.group(1).split(".")
            # theorycheck.<layer>.x counts as the layer <layer>
            yield path.relative_to(ROOT), parts[1] if parts[0] == "theorycheck" and len(parts) > 1 else parts[0]


def test_numeric_imports_no_symbolic_layer():
    bad = [(p, m) for p, m in _imports("numeric") if m in {"sympy", "mpmath", "symbolic", "verify"}]
    assert not bad, bad


def test_symbolic_imports_no_numeric_or_verify():
    bad = [(p, m) for p, m in _imports("symbolic") if m in {"numeric", "verify"}]
    assert not bad, bad


def test_import_numeric_is_light():
    code = ("import sys, theorycheck.numeric, theorycheck.numeric.generated.saxe, theorycheck.numeric.linear_nets; "
            "print(sorted(m for m in ('torch', 'sympy', 'mpmath') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", out
