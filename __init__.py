"""theorycheck — a symbolic-numeric verification suite for the theory of deep networks.

The repository keeps three top-level folders, installed under this one namespace:

* ``theorycheck.symbolic`` (``symbolic/``): SymPy derivations and the formula registry;
* ``theorycheck.numeric`` (``numeric/``): NumPy/Torch kernels, generated and hand-written;
* ``theorycheck.verify`` (``verify/``): claims, checks, tolerances, results and the CLI.

This file is the package root (``package-dir = {"theorycheck" = "."}`` in pyproject.toml) and the
small public API.  Every name is imported lazily, so ``import theorycheck`` (and
``import theorycheck.numeric``) stays cheap: SymPy, mpmath and Torch load only when used.

Public API
----------
``evaluate(formula_id, backend="numpy", dps=30, **params)``
    Evaluate a registered formula at one point; parameters are numbers or numeric strings
    (parsed exactly, never through ``eval``).  Returns a float (numpy, torch) or an
    ``mpmath.mpf`` rounded to ``dps`` digits (mpmath).
``formulas()``
    The registered formula ids.
``claims(prefix=None)``
    The registered claims (``theorycheck.verify.registry.Claim`` objects), optionally only those
    whose id starts with ``prefix``.
``run(*ids, scale="default", tier=None, device="cpu", seed=0)``
    Run the checks of the selected claims; returns a list of result records (dicts, the same
    records ``theorycheck verify --json`` writes).
``load_results(path)``
    Read a results file written by ``theorycheck verify --json``; every record's status is
    re-derived from its recorded comparison and a mismatch raises ``ValueError``.
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["evaluate", "formulas", "claims", "run", "load_results", "__version__"]


def evaluate(formula_id: str, backend: str = "numpy", dps: int = 30, **params):
    """Evaluate the formula ``formula_id`` at ``params`` with ``backend`` (numpy, torch or mpmath)."""
    import mpmath

    from theorycheck.verify.formulas import evaluate as _evaluate

    ev = _evaluate(formula_id, {k: v if isinstance(v, str) else _exact_text(k, v) for k, v in params.items()},
                   backend=backend, dps=dps)
    if backend == "mpmath":
        with mpmath.workdps(dps):
            return mpmath.mpf(ev.value)
    return float(ev.value)


def _exact_text(name, v) -> str:
    """Numbers are passed on exactly: a float by its shortest repr, a Fraction or int as p/q."""
    from fractions import Fraction

    if isinstance(v, bool) or not isinstance(v, (int, float, Fraction)):
        from theorycheck.verify.formulas import ParameterError

        raise ParameterError(f"parameter {name!r} = {v!r} is not a number (int, float, Fraction or numeric string)")
    return repr(v) if isinstance(v, float) else str(v)


def formulas() -> list[str]:
    """Every registered formula id, sorted."""
    from theorycheck.symbolic.registry import all_formulas

    return [f.id for f in all_formulas()]


def claims(prefix: str | None = None):
    """The registered claims, sorted by id (those equal to or under ``prefix`` when given)."""
    from theorycheck.verify.registry import all_claims, select

    return select([prefix]) if prefix else all_claims()


def run(*ids: str, scale: str = "default", tier: str | None = None, device: str = "cpu", seed: int = 0) -> list[dict]:
    """Run the checks of the claims matching ``ids`` (all when none) and return their result records."""
    from theorycheck.verify.context import resolve_device
    from theorycheck.verify.registry import select
    from theorycheck.verify.runner import run as _run

    results = _run(select(list(ids)), tiers=[tier] if tier else None, scale=scale,
                   device=resolve_device(device), seed=seed)
    return [r.as_dict() for r in results]


def load_results(path) -> dict:
    """Load a results JSON file and re-derive every status from its recorded comparison."""
    from theorycheck.verify.runner import load_results as _load

    return _load(path)
