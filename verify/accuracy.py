"""Cross-backend accuracy of every registered formula: NumPy float64, Torch float64 and Torch float32
against mpmath, in units of eps (``theorycheck accuracy``).

For each formula the domain is sampled deterministically (seeded by the run seed and the formula id):
the *edges* of every parameter's declared interval (closed end points, points 1e-9 of the width inside a
bounded end, 1e-8 and 1e8 on half-lines, +-1e-8, +-1e8 and 0 on the real line, the first integers), each
varied alone from an interior base point, plus ``samples`` random points (uniform on bounded intervals,
log-uniform over 10^[-6, 6] on half-lines).  Constraints are checked exactly (verify.formulas).  Each
point is evaluated by the three backends and by the mpmath reference (verify.formulas.evaluate_mpmath,
30 significant digits for closed forms, 20 for quadrature/iterative formulas, at the exact doubles the
kernels see).

Error unit: ``ulps`` here is the error divided by eps |f| (eps = 2^-52 for float64, 2^-23 for float32;
|f| floored at the smallest normal number of the type), i.e. the relative error in units of the type's
machine epsilon.

Documented accuracy, one model for every formula (the one tests/test_formula_registry.py enforces):
the backward-stability bound of :func:`error_bound`,

    |kernel - f| <= k eps (|f| + sum_i |x_i df/dx_i| + S) + k 2^-1074,

k the kernel's rounded operations (SymPy operation count + 1 for generated kernels, K_HAND = 64 for
hand-written quadrature/Newton kernels), S the scale of the terms a quadrature sums.  For Torch float32
eps is 2^-23 and the inputs are rounded to float32 first (the rounding of an input by eps/2 is a
relative perturbation, already covered by the condition term).  A point where that bound exceeds 1e-2
|f| is ill-conditioned (the comparison cannot tell a right value from a wrong one): reported, not
compared.  A formula fails when any compared point exceeds its bound, or a kernel raises anything but a
clear DomainError refusal at an in-domain point.

Torch float32: the generated kernels are float64 by design (numeric/backend.py converts every argument),
so the float32 column evaluates the *same printed expression* (symbolic/codegen.py's stable rewrite and
Torch printer) on float32 tensors; hand-written kernels (quadrature, Newton) are float64-only: n/a.
Points whose inputs or value lie outside the normal float32 range are not compared in float32.

:func:`accuracy_rows` returns the table rows (one per formula and backend) for the terminal table, the
JSON file and the HTML report.
"""
from __future__ import annotations

import math
import signal
import statistics
import threading
import time
import warnings
import zlib
from contextlib import contextmanager
from fractions import Fraction
from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp

from theorycheck.symbolic.registry import Formula, all_formulas, get
from theorycheck.verify.formulas import constraint_holds, evaluate_mpmath, generated_function

__all__ = ["EPS", "EPS32", "K_HAND", "SUBNORMAL", "k_ops", "sensitivity", "term_scale", "error_bound",
           "sample_points", "accuracy_rows", "formula_accuracy", "summary", "BACKENDS", "DPS_CLOSED", "DPS_HAND"]

EPS32 = 2.0 ** -23
TINY64, TINY32 = 2.0 ** -1022, 2.0 ** -126
MAX32 = float(np.finfo(np.float32).max)
BACKENDS = ("numpy-f64", "torch-f64", "torch-f32")
DPS_CLOSED, DPS_HAND = 30, 20
ILL_CONDITIONED = 1e-2
REFERENCE_SECONDS = 4.0  # CPU seconds per mpmath reference; slower points are reported as skipped


def exact(values: dict) -> dict:
    """Floats as exact Fractions: the reference sees exactly the doubles the kernel sees."""
    return {k: Fraction(float(v)) for k, v in values.items()}


def args_of(f: Formula, values: dict) -> list[float]:
    return [float(values[p.name]) for p in f.params]


EPS = float(np.finfo(np.float64).eps)
# Gradual underflow: below the smallest normal number every operation has an absolute error of at
# most half the smallest subnormal, 2^-1075.
SUBNORMAL = 2.0 ** -1074

# Unit roundoffs per operation of a hand-written kernel (quadrature / Newton / closed forms through
# lgamma), summed from the documented pieces: tanh/exp/sqrt of a node and the weight product, ~4;
# NumPy/Torch pairwise summation of at most ~1e5 trapezoid nodes, log2(1e5) ~ 17 (relative to the
# sum of |terms|); the Newton stopping floor of numeric/fixed_point.py, 8 eps max(|x|, scale);
# the quadrature truncation of numeric/gaussian.py, 1e-19 relative (negligible); and the closed-form
# post-processing of a solved q* or c* (log, the slope map, division), ~8 roundings with a 1-ulp
# libm each.  4 + 17 + 8 + 8 = 37, rounded up to the next power of two.
K_HAND = 64


def k_ops(f: Formula) -> int:
    """Roundings per evaluation: a generated kernel's SymPy operation count + 1 (final rounding).

    The count covers every branch of a Piecewise, so it bounds the longest evaluation path.  Each
    arithmetic operation is correctly rounded (<= 1/2 ulp) and each libm call is within 1 ulp, so a
    backward-stable evaluation perturbs the result by at most ``k`` ulps of the quantities it
    combines.  Hand-written kernels get :data:`K_HAND`.
    """
    if not f.generated:
        return K_HAND
    return int(sp.count_ops(f.codegen_expr)) + 1


# ------------------------------------------------------------------------------- error bounds
@lru_cache(maxsize=None)
def _mp_gradient(fid: str):
    """mpmath functions x_i * df/dx_i of a closed form (None for hand-written formulas)."""
    f = get(fid)
    if f.expr is None:
        return None
    out = []
    for p in f.params:
        if p.integer:
            continue
        d = p.symbol * sp.diff(f.expr, p.symbol)
        out.append((p.name, sp.lambdify(f.symbols, d, modules=[{"DiracDelta": lambda *a: 0}, "mpmath"])))
    return out


def _to_mpf(x: Fraction):
    return mpmath.mpf(x.numerator) / mpmath.mpf(x.denominator)


def sensitivity(f: Formula, values: dict) -> float:
    """sum_i |x_i df/dx_i| over the non-integer parameters (the condition number times |f|).

    Closed forms: the exact derivative (SymPy) evaluated in mpmath at 50 digits (cancellation-proof
    at the magnitudes drawn); DiracDelta (the derivative of a kink) is 0 off the kink.  Hand-written
    kernels, and closed forms whose derivative has a removable singularity at the point (mpmath
    ZeroDivisionError): a float64 central difference of the NumPy kernel with relative step
    h = eps^(1/3) ~ 6e-6, which minimizes truncation (h^2 |x^3 f'''| / 6) plus rounding
    (eps |f| cond / h) and gives the derivative to ~eps^(2/3) ~ 4e-11 of the scale -- far more than
    the one significant digit a tolerance needs.  A one-sided difference is used where the symmetric
    step leaves the domain (closed end points, constraints).  The reference value is never taken
    from this kernel: a wrong kernel cannot widen its own bound by more than its own error times
    ~1e-10 (its noise over the step, times k eps).  A parameter at 0 contributes 0: a relative
    perturbation leaves it exactly 0.
    """
    grads = dict(_mp_gradient(f.id) or [])
    ex = exact(values)
    total = 0.0
    for p in f.params:
        if p.integer or values[p.name] == 0.0:
            continue
        v = None
        if p.name in grads:
            try:
                with mpmath.workdps(50):
                    d = grads[p.name](*[_to_mpf(ex[q.name]) for q in f.params])
                    v = float(abs(d.real if isinstance(d, mpmath.mpc) else d))
            except ZeroDivisionError:
                v = None
        if v is None:
            v = _fd(f, values, p)
        total += v
    return total


def _fd(f: Formula, values: dict, p) -> float:
    fn = generated_function(f, "numpy")
    h = EPS ** (1.0 / 3.0)
    x = values[p.name]
    for lo_s, hi_s in ((-h, h), (0.0, h), (-h, 0.0)):
        a, b = dict(values), dict(values)
        a[p.name], b[p.name] = x * (1 + lo_s), x * (1 + hi_s)
        try:
            with warnings.catch_warnings():  # overflow is reported by the kernel's DomainError
                warnings.simplefilter("ignore", RuntimeWarning)
                fa = float(fn(*args_of(f, a)))
                fb = float(fn(*args_of(f, b)))
        except ValueError:
            continue
        return abs((fb - fa) / (hi_s - lo_s))  # = |x df/dx|
    return math.inf


def term_scale(f: Formula, values: dict) -> float:
    """A bound on the magnitude of the terms a quadrature kernel sums (0 when there is no quadrature).

    A value computed as a sum of terms has an absolute rounding error ~ k eps sum|terms|, which the
    relative bound misses where the sum cancels (a covariance near rho = 0, a Hermite coefficient
    that decays in k).  Bounds by Cauchy-Schwarz, from the registry itself:
    gauss.cov.<act>: |E phi(u1) phi(u2)| and E|phi(u1) phi(u2)| <= sqrt(C(1, q1, q1) C(1, q2, q2));
    hermite.coeff.<act>: |E phi(Z) h_k(Z)| <= sqrt(E phi^2 E h_k^2) = sqrt(gauss.norm2.<act>).
    """
    if f.generated:
        return 0.0
    act = f.id.rsplit(".", 1)[1]
    if f.id.startswith("gauss.cov."):
        fn = generated_function(f, "numpy")
        q1, q2 = values["q1"], values["q2"]
        return math.sqrt(abs(float(fn(1.0, q1, q1)) * float(fn(1.0, q2, q2))))
    if f.id.startswith("hermite.coeff."):
        g = get(f"gauss.norm2.{act}")
        extra = [values[p.name] for p in g.params]
        return math.sqrt(abs(float(generated_function(g, "numpy")(*extra))))
    return 0.0


def error_bound(f: Formula, values: dict, value: float) -> tuple[float, float]:
    """(absolute bound, k) for a float64 kernel's error at ``values`` whose exact value is ``value``.

        bound = k eps (|f| + sum_i |x_i df/dx_i| + S) + k 2^-1074

    i.e. (c0 + cond) k eps |f| with c0 = 1 (the kernel's own roundings of its result) and
    cond = sum_i |x_i f_i / f| (its roundings seen as relative perturbations of the inputs: the
    backward-stability model); S is :func:`term_scale` for quadrature kernels and the last term
    covers gradual underflow.  Writing it as an absolute bound keeps it meaningful where f = 0.
    """
    k = k_ops(f)
    sens = sensitivity(f, values)
    return k * EPS * (abs(value) + sens + term_scale(f, values)) + k * SUBNORMAL, k



# ----------------------------------------------------------------------------------------- sampling
def _frac(x) -> float:
    return float(Fraction(x))


def _edge_values(p) -> list[float]:
    """The edges of ``p``'s declared domain (see the module docstring); filtered by ``p.contains`` later."""
    lo = None if p.lower is None else _frac(p.lower)
    hi = None if p.upper is None else _frac(p.upper)
    if p.integer:
        a = int(math.ceil(lo)) if lo is not None else -40
        b = int(math.floor(hi)) if hi is not None else a + 1000
        return [float(v) for v in sorted({a, a + 1, min(a + 40, b), b})]
    out = []
    if lo is not None and hi is not None:
        w = hi - lo
        out += [lo, hi, lo + w * 1e-9, hi - w * 1e-9]
    elif lo is not None:
        out += [lo, lo + 1e-8 * max(1.0, abs(lo)), lo + 1e8]
    elif hi is not None:
        out += [hi, hi - 1e-8 * max(1.0, abs(hi)), hi - 1e8]
    else:
        out += [0.0, 1e-8, -1e-8, 1e8, -1e8]
    return out


def _random_value(p, rng) -> float:
    lo = None if p.lower is None else _frac(p.lower)
    hi = None if p.upper is None else _frac(p.upper)
    if p.integer:
        a = int(math.ceil(lo)) if lo is not None else -40
        b = int(math.floor(hi)) if hi is not None else a + 60
        return float(rng.integers(a, min(b, a + 60) + 1))
    if lo is not None and hi is not None:
        return float(rng.uniform(lo, hi))
    m = 10.0 ** rng.uniform(-6, 6)
    if lo is not None:
        return lo + m
    if hi is not None:
        return hi - m
    return float(rng.choice([-1.0, 1.0])) * m


def _valid(f: Formula, vals: dict) -> bool:
    ex = exact(vals)
    return all(p.contains(ex[p.name]) for p in f.params) and all(constraint_holds(f, c, ex) for c in f.constraints)


def sample_points(f: Formula, samples: int = 6, seed: int = 0) -> list[tuple[str, dict]]:
    """Deterministic (label, point) pairs inside ``f``'s domain: edges of each parameter from an interior
    base point, then ``samples`` random points (the module docstring).  Same seed, same points."""
    rng = np.random.default_rng([seed, zlib.crc32(f.id.encode())])
    base = None
    for _ in range(2000):
        cand = {}
        for p in f.params:
            lo = -2.0 if p.lower is None else _frac(p.lower)
            hi = (max(lo, 0.0) + 3.0) if p.upper is None else _frac(p.upper)
            x = float(rng.uniform(lo, hi))
            cand[p.name] = float(round(x)) if p.integer else x
        if _valid(f, cand):
            base = cand
            break
    out: list[tuple[str, dict]] = []
    seen = set()

    def add(label, vals):
        key = tuple(vals[p.name] for p in f.params)
        if key not in seen and _valid(f, vals):
            seen.add(key)
            out.append((label, vals))

    if not f.params:
        return [("constant", {})]
    if base is not None:
        add("base", base)
        for p in f.params:
            for v in _edge_values(p):
                add(f"edge {p.name}={v:g}", {**base, p.name: v})
    tries = 0
    n_random = 0
    while n_random < samples and tries < 200 * max(samples, 1):
        tries += 1
        vals = {p.name: _random_value(p, rng) for p in f.params}
        before = len(out)
        add("random", vals)
        n_random += len(out) > before
    return out


# ------------------------------------------------------------------------------------- evaluation
@contextmanager
def _cpu_limit(seconds: float):
    """Raise TimeoutError after ``seconds`` of CPU time (main thread only; elsewhere no limit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise TimeoutError(f"mpmath reference exceeded {seconds:g} s of CPU time")

    old = signal.signal(signal.SIGPROF, on_alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


@lru_cache(maxsize=None)
def _torch32_function(fid: str):
    """The generated kernel's printed expression as a function of float32 tensors (None: hand-written)."""
    f = get(fid)
    if not f.generated:
        return None
    from theorycheck.numeric import backend as B
    from theorycheck.symbolic import codegen as CG

    torch = B.torch()
    fn = sp.lambdify(f.symbols, CG._prepared(f), modules=[{"torch": torch}, "math"], printer=CG._torch_printer())

    def call(*xs):
        ts = [torch.tensor(x, dtype=torch.float32) for x in xs]
        out = fn(*ts)
        return float(out if isinstance(out, torch.Tensor) else torch.tensor(float(out), dtype=torch.float32))
    return call


def _evaluate(f: Formula, backend: str, vals: dict):
    """(value, None) or (None, reason) with reason 'refused: ...' (a DomainError) or 'error: ...'."""
    from theorycheck.numeric import DomainError

    args = args_of(f, vals)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if backend == "numpy-f64":
                return float(generated_function(f, "numpy")(*args)), None
            if backend == "torch-f64":
                import torch

                out = generated_function(f, "torch")(*[torch.tensor(x, dtype=torch.float64) for x in args])
                return float(out), None
            fn = _torch32_function(f.id)
            if fn is None:
                return None, "n/a: hand-written float64 kernel"
            if any(x != 0 and not (TINY32 <= abs(x) <= MAX32) for x in args):
                return None, "outside float32: an input is not a normal float32"
            v = fn(*[float(np.float32(x)) for x in args])
            if not math.isfinite(v):
                return None, "outside float32: overflow/NaN in float32"
            return v, None
    except DomainError as exc:
        return None, f"refused: {str(exc)[:160]}"
    except Exception as exc:  # a crash at an in-domain point is a failure of the kernel
        return None, f"error: {type(exc).__name__}: {str(exc)[:160]}"


def formula_accuracy(f: Formula, samples: int = 6, seed: int = 0,
                     reference_seconds: float = REFERENCE_SECONDS) -> list[dict]:
    """One row per backend (:data:`BACKENDS`) for formula ``f`` (the keys are listed in :func:`accuracy_rows`)."""
    t0 = time.perf_counter()
    dps = DPS_CLOSED if f.generated else DPS_HAND
    acc = {b: {"ulps": [], "ratios": [], "refused": 0, "skipped": 0, "errors": [], "worst": None, "fails": []}
           for b in BACKENDS}
    points = sample_points(f, samples, seed)
    for label, vals in points:
        got = {b: _evaluate(f, b, vals) for b in BACKENDS}
        if all(v is None for v, _ in got.values()):
            for b, (_, why) in got.items():
                _tally(acc[b], why)
            continue
        try:
            with _cpu_limit(reference_seconds):
                ref = evaluate_mpmath(f, exact(vals), dps)
        except Exception as exc:  # a slow or unsettled reference decides nothing here: reported as skipped
            for b in BACKENDS:
                acc[b]["skipped"] += 1
            continue
        r = float(ref)
        if not math.isfinite(r):
            for b in BACKENDS:
                acc[b]["skipped"] += 1
            continue
        try:
            bound64, k = error_bound(f, vals, r)
        except Exception:
            bound64, k = math.inf, k_ops(f)
        for b, (v, why) in got.items():
            a = acc[b]
            if v is None:
                _tally(a, why, label, vals)
                continue
            f32 = b == "torch-f32"
            eps, tiny = (EPS32, TINY32) if f32 else (EPS, TINY64)
            if f32 and (r != 0 and not (TINY32 <= abs(r) <= MAX32)):
                a["skipped"] += 1
                continue
            bound = bound64 * (EPS32 / EPS) if f32 else bound64
            if not math.isfinite(bound) or (bound > ILL_CONDITIONED * abs(r) and r != 0):
                a["skipped"] += 1
                continue
            err = float(abs(mpmath.mpf(v) - ref))
            unit = eps * max(abs(r), tiny)
            ulps = err / unit
            ratio = err / bound if bound > 0 else (0.0 if err == 0 else math.inf)
            a["ulps"].append(ulps)
            a["ratios"].append(ratio)
            if a["worst"] is None or ratio > a["worst"]["ratio"]:
                a["worst"] = {"point": vals, "label": label, "value": v, "reference": mpmath.nstr(ref, 17),
                              "ulps": ulps, "bound_ulps": bound / unit, "ratio": ratio}
            if err > bound:
                a["fails"].append({"point": vals, "value": v, "reference": mpmath.nstr(ref, 17), "ulps": ulps,
                                   "bound_ulps": bound / unit})
    seconds = time.perf_counter() - t0
    rows = []
    for b in BACKENDS:
        a = acc[b]
        n = len(a["ulps"])
        na = b == "torch-f32" and not f.generated
        failed = bool(a["fails"] or a["errors"])
        rows.append({
            "formula": f.id, "backend": b, "generated": f.generated, "k": k_ops(f), "points": len(points),
            "compared": n, "refused": a["refused"], "skipped": a["skipped"], "errors": a["errors"][:3],
            "max_ulps": max(a["ulps"]) if n else None, "median_ulps": statistics.median(a["ulps"]) if n else None,
            "worst_ratio": max(a["ratios"]) if n else None, "worst": a["worst"], "failures": a["fails"][:3],
            "n_failures": len(a["fails"]) + len(a["errors"]),
            "status": "n/a" if na else ("failed" if failed else ("passed" if n else "not compared")),
            "seconds": seconds,
        })
    return rows


def _tally(a: dict, why: str, label: str = "", vals: dict | None = None) -> None:
    if why.startswith("refused") or why.startswith("outside float32") or why.startswith("n/a"):
        a["refused"] += 0 if why.startswith("n/a") else 1
    else:
        a["errors"].append({"point": vals, "label": label, "error": why})


def accuracy_rows(ids=None, samples: int = 6, seed: int = 0, progress=None,
                  reference_seconds: float = REFERENCE_SECONDS) -> list[dict]:
    """The accuracy table: for every formula (or those whose id equals or starts with one of ``ids``), one row
    per backend with keys formula, backend, generated, k (rounded operations of the bound), points (sampled),
    compared, refused (clear DomainError refusals, or outside float32's range), skipped (ill-conditioned or
    reference too slow), errors (kernel crashes), max_ulps / median_ulps (error / (eps |f|)), worst_ratio
    (max error / documented bound; > 1 fails), worst (the point of worst_ratio), failures (the first points
    over the bound), n_failures, status (passed / failed / n/a / not compared) and seconds (per formula).
    ``progress(fid)`` is called before each formula.  An unknown id raises UnknownFormulaError."""
    formulas = all_formulas()
    if ids:
        chosen = []
        for pat in ids:
            hits = [f for f in formulas if f.id == pat or f.id.startswith(pat)]
            if not hits:
                get(pat)  # raises UnknownFormulaError with close matches
            chosen += [f for f in hits if f not in chosen]
        formulas = chosen
    rows = []
    for f in formulas:
        if progress:
            progress(f.id)
        rows += formula_accuracy(f, samples, seed, reference_seconds)
    return rows


def summary(rows: list[dict], worst: int = 10) -> dict:
    """Counts of the rows by status, the failed formulas, and the ``worst`` rows by worst_ratio (error over the
    documented bound) -- the headline of the accuracy table (terminal, JSON, HTML report)."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    ranked = sorted((r for r in rows if r["worst_ratio"] is not None), key=lambda r: -r["worst_ratio"])
    return {"formulas": len({r["formula"] for r in rows}), "rows": len(rows), "by_status": counts,
            "failed_formulas": sorted({r["formula"] for r in rows if r["status"] == "failed"}),
            "worst": [{k: r[k] for k in ("formula", "backend", "max_ulps", "median_ulps", "worst_ratio", "status")}
                      for r in ranked[:worst]]}
