"""Installing the wheel puts only ``theorycheck`` at top level and coexists with unrelated packages named
``symbolic`` (PyPI has widely used packages named ``symbolic`` and ``verify``).

The wheel is built from this checkout (``pip wheel --no-deps``: build isolation fetches setuptools from
the package index, as any install does), unpacked into a fresh virtual environment that can see this
interpreter's site-packages (numpy and friends), beside a dummy top-level ``symbolic`` package; both
must import, each from its own place.
"""
from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("symbolic", "numeric", "verify")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # build from a copy of the sources, so setuptools' build/ folder never lands in the checkout
    src = tmp_path_factory.mktemp("src")
    for name in ("__init__.py", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for layer in LAYERS:
        shutil.copytree(ROOT / layer, src / layer, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    (whl,) = out.glob("theorycheck-*.whl")
    return whl


def _source_packages() -> set[str]:
    pk = {"theorycheck"}
    for layer in LAYERS:
        for init in (ROOT / layer).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT).parts
            pk.add(".".join(("theorycheck",) + rel))
    return pk


def test_wheel_has_only_theorycheck_at_top_level_and_every_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/", 1)[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"theorycheck"}, top
    packaged = {n.rsplit("/", 1)[0].replace("/", ".") for n in names if n.endswith("/__init__.py")}
    packaged |= {"theorycheck"} if "theorycheck/__init__.py" in names else set()
    missing = _source_packages() - packaged
    assert not missing, f"packages missing from the wheel (add them to pyproject's packages list): {missing}"
    assert "theorycheck/numeric/generated/saxe.py" in names
    ep = next(n for n in names if n.endswith("entry_points.txt"))
    cp = configparser.ConfigParser()
    cp.read_string(zipfile.ZipFile(wheel).read(ep).decode())
    assert cp["console_scripts"]["theorycheck"] == "theorycheck.verify.cli:main"


def test_wheel_installs_beside_a_top_level_symbolic_package(wheel, tmp_path):
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(env)], check=True)
    py = env / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    zipfile.ZipFile(wheel).extractall(site)
    (site / "symbolic").mkdir()
    (site / "symbolic" / "__init__.py").write_text("WHO = 'the other symbolic'\n")
    code = ("import symbolic, theorycheck, theorycheck.numeric, theorycheck.verify.tolerances as T; "
            "print(symbolic.WHO); print(theorycheck.__file__); print(theorycheck.numeric.__file__); "
            "print(T.ALPHA_FAMILY)")
    r = subprocess.run([str(py), "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    who, root_file, numeric_file, alpha = r.stdout.split("\n")[:4]
    assert who == "the other symbolic"
    assert Path(root_file).parent == site / "theorycheck"
    assert Path(numeric_file).is_relative_to(site / "theorycheck")
    assert float(alpha) > 0
