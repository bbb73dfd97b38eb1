"""Code generation: registry formulas -> plain NumPy/Torch source in ``numeric/generated/<topic>.py``.

For every formula of a topic we print two functions,

* ``<name>(...)``: vectorized NumPy, float64, broadcasting its arguments;
* ``<name>_torch(...)``: the same in Torch (float64 tensors on the device of the first tensor
  argument; CPU when none is a tensor).  Torch is imported lazily, so ``import numeric`` stays fast.

Each function first validates its arguments against the formula's declared domain (the generated
``check_param``/``check_constraint`` calls raise ``numeric.DomainError`` naming the parameter, the
offending value and the domain), then evaluates the expression after common-subexpression
elimination (``sympy.cse``).  The printed expression is the formula's proven-equal stable rewrite
(``Formula.stable``) as written when it has one; otherwise the source expression passed through SymPy's
composable rewrites ``log1p_opt`` and ``expm1_opt`` (``sympy.codegen.rewriting``; expm1 without its
factoring attempt).  Printers run in strict mode: an
unsupported function is an error, never half-printed code.

This module is SymPy only.  It writes files atomically (temporary file + ``os.replace``).
"""
from __future__ import annotations

import hashlib
import inspect
import os
import tempfile
from pathlib import Path

import sympy as sp
from sympy.codegen.cfunctions import expm1
from sympy.codegen.rewriting import FuncMinusOneOptim, ReplaceOptim, log1p_opt, optimize
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pytorch import TorchPrinter

from theorycheck.symbolic.registry import Formula, topics

__all__ = ["generate_topic", "generate_all", "write_all", "check_all", "GENERATED_DIR"]

GENERATED_DIR = Path(__file__).resolve().parent.parent / "numeric" / "generated"

class _Expm1NoFactor(FuncMinusOneOptim):
    """SymPy's ``expm1_opt`` without its second attempt on ``expr.factor()``: factoring can undo a
    hand-derived stable form (it did on dae.w_t, raising its error to 4e-9) and takes minutes on
    large expressions.  The replacement itself is SymPy's."""

    __call__ = ReplaceOptim.__call__


_REWRITES = [log1p_opt, _Expm1NoFactor(sp.exp, expm1)]


class _TorchPrinter(TorchPrinter):
    """SymPy's Torch printer plus the C99 functions it lacks (one table entry per translation)."""

    def _print_log1p(self, expr):
        return f"torch.log1p({self._print(expr.args[0])})"

    def _print_expm1(self, expr):
        return f"torch.expm1({self._print(expr.args[0])})"

    def _print(self, expr, **kwargs):
        # A numeric sub-expression such as log(2) or sqrt(5) would be printed as torch.log(2) on a
        # Python number (a TypeError in Torch): print its correctly rounded float64 value instead.
        if (isinstance(expr, sp.Basic) and expr.is_number and not expr.is_Rational and not expr.is_Float
                and isinstance(expr, (sp.Function, sp.Pow)) and expr.is_real):
            return repr(float(sp.N(expr, 30)))
        return super()._print(expr, **kwargs)

    def _minmax(self, expr, fn, kw, pick):
        # torch.minimum/maximum need tensors on both sides: numbers go into torch.clamp(min=/max=)
        nums = [a for a in expr.args if a.is_number]
        rest = [a for a in expr.args if not a.is_number]
        out = self._print(rest[-1])
        for a in reversed(rest[:-1]):
            out = f"torch.{fn}({self._print(a)}, {out})"
        if nums:
            out = f"torch.clamp({out}, {kw}={self._print(pick(nums))})"
        return out

    def _print_Min(self, expr):
        return self._minmax(expr, "minimum", "max", lambda xs: sp.Min(*xs))

    def _print_Max(self, expr):
        return self._minmax(expr, "maximum", "min", lambda xs: sp.Max(*xs))

    def _print_Rational(self, expr):
        # torch.pow(x, 3/2) is fine, but keep rationals as Python float literals explicitly.
        return f"({expr.p}/{expr.q})"


class _NumPyPrinter(NumPyPrinter):
    """SymPy's NumPy printer with elementwise binary Min/Max (its default goes through functools.reduce)."""

    def _print_Min(self, expr):
        return self._nest("numpy.minimum", expr.args)

    def _print_Max(self, expr):
        return self._nest("numpy.maximum", expr.args)

    def _nest(self, fn, args):
        out = self._print(args[-1])
        for a in reversed(args[:-1]):
            out = f"{fn}({self._print(a)}, {out})"
        return out


def _numpy_printer() -> NumPyPrinter:
    return _NumPyPrinter({"strict": True, "fully_qualified_modules": True})


def _torch_printer() -> _TorchPrinter:
    return _TorchPrinter({"strict": True})


def _prepared(f: Formula) -> sp.Expr:
    """The expression to print: a formula's hand-derived ``stable`` form is printed as written (SymPy's
    rewrites may undo it: log1p_opt expands log(R) into a sum of logs that cancels); formulas without one
    get SymPy's composable rewrites log1p_opt and expm1 (without factoring)."""
    if f.stable is not None:
        return f.stable
    return optimize(f.expr, _REWRITES)


def _body(f: Formula, printer, indent: str = "    ") -> list[str]:
    expr = _prepared(f)
    replacements, reduced = sp.cse(expr, symbols=sp.numbered_symbols("_x"), optimizations="basic")
    lines = []
    inner = indent
    if expr.has(sp.Piecewise) and not isinstance(printer, TorchPrinter):
        # numpy.select evaluates every branch at every point and keeps one: the discarded branches may
        # overflow or divide by zero where they are not used.  Their warnings are silenced; the kept value
        # is still checked by _v.finite below (a non-finite result is a DomainError, never returned).
        lines.append(f"{indent}with numpy.errstate(all='ignore'):  # discarded Piecewise branches")
        inner = indent + "    "
    for sym, sub in replacements:
        lines.append(f"{inner}{sym} = {printer.doprint(sub)}")
    lines.append(f"{inner}_out = {printer.doprint(reduced[0])}")
    if not reduced[0].free_symbols:  # a constant: return an array/tensor like every other kernel
        fn = "constant_like_torch" if isinstance(printer, TorchPrinter) else "constant_like"
        lines.append(f"{indent}_out = _v.{fn}(_out, {', '.join(p.name for p in f.params) or 'None'})")
    env = "{" + ", ".join(f"{p.name!r}: {p.name}" for p in f.params) + "}"
    lines.append(f"{indent}return _v.finite({f.id!r}, _out, {env})")
    return lines


def _bound(x) -> str:
    return "None" if x is None else repr(float(x))


def _checks(f: Formula, printer, indent: str = "    ") -> list[str]:
    lines = []
    for p in f.params:
        lines.append(
            f"{indent}_v.check_param({f.id!r}, {p.name!r}, {p.name}, {_bound(p.lower)}, {_bound(p.upper)}, "
            f"{p.lower_open}, {p.upper_open}, {p.integer})"
        )
    for c in f.constraints:
        names = sorted(str(sym) for sym in c.relation.free_symbols)
        env = "{" + ", ".join(f"{n!r}: {n}" for n in names) + "}"
        lines.append(
            f"{indent}_v.check_constraint({f.id!r}, {str(c.relation)!r}, {c.message!r}, "
            f"{printer.doprint(c.relation)}, {env})"
        )
    return lines


def _docstring(f: Formula, backend: str, indent: str = "    ") -> list[str]:
    doms = "; ".join(f"{p.name} in {p.domain_str()}" for p in f.params)
    out = [
        f'{indent}"""{f.summary} [{backend}].',
        "",
        f"{indent}Source: {f.source}",
        f"{indent}Formula id: {f.id}",
        f"{indent}Parameters: " + "; ".join(f"{p.name}: {p.meaning}" for p in f.params),
        f"{indent}Domain: {doms}",
    ]
    for c in f.constraints:
        out.append(f"{indent}Constraint: {c.relation} ({c.message})")
    if f.rewrite_note:
        out.append(f"{indent}Rewrite: {f.rewrite_note}")
    if f.notes:
        out.append(f"{indent}Notes: {f.notes}")
    out.append(f'{indent}"""')
    # keep lines readable; the docstring is data, not code, so no wrapping logic is needed
    return [line.replace('"""', "'''") if i not in (0, len(out) - 1) else line for i, line in enumerate(out)]


def _source_file(formulas: list[Formula]) -> str:
    mods = sorted({f.module for f in formulas})
    paths = []
    for m in mods:
        mod = __import__(m, fromlist=["_"])
        paths.append(Path(inspect.getfile(mod)).resolve().relative_to(GENERATED_DIR.parent.parent).as_posix())
    return ", ".join(paths)


def generate_topic(topic: str, formulas: list[Formula]) -> str:
    """Return the full source text of ``numeric/generated/<topic>.py`` (formulas with a closed form)."""
    formulas = [f for f in formulas if f.generated]
    npp, tp = _numpy_printer(), _torch_printer()
    src_files = _source_file(formulas)
    digest = hashlib.sha256()
    for f in formulas:
        digest.update(f"{f.id}|{sp.srepr(f.codegen_expr)}|{[c.relation for c in f.constraints]}".encode())
    head = [
        f"# Generated by `theorycheck codegen` from {src_files} "
        f"(modules {', '.join(sorted({f.module for f in formulas}))}).",
        "# DO NOT EDIT: change the formula registry and run `theorycheck codegen`.",
        f"# SymPy {sp.__version__}; expressions sha256 {digest.hexdigest()[:16]}",
        f'"""Generated NumPy and Torch kernels for the formula topic {topic!r}.',
        "",
        "Each ``name`` is a vectorized float64 NumPy function, ``name_torch`` its Torch twin.",
        "Arguments outside the declared domain raise ``numeric.DomainError``.",
        '"""',
        "from __future__ import annotations",
        "",
        "import numpy",
        "",
        "from theorycheck.numeric import validate as _v",
        "",
        f"__all__ = {[n for f in formulas for n in (f.func_name, f.func_name + '_torch')]!r}",
        "",
    ]
    body: list[str] = []
    for f in formulas:
        args = ", ".join(p.name for p in f.params)
        body += ["", f"def {f.func_name}({args}):"]
        body += _docstring(f, "NumPy")
        if args:
            body.append(f"    {args}, = _v.as_numpy({args})")
        body += _checks(f, npp)
        body += _body(f, npp)
        body += ["", "", f"def {f.func_name}_torch({args}):"]
        body += _docstring(f, "Torch")
        body.append("    torch = _v.torch()")
        if args:
            body.append(f"    {args}, = _v.as_torch({args})")
        body += _checks(f, tp)
        body += _body(f, tp)
        body.append("")
    return "\n".join(head + body).rstrip() + "\n"


def generate_all() -> dict[Path, str]:
    """Map every generated file path to its fresh content (plus the package ``__init__``)."""
    out: dict[Path, str] = {}
    tps = topics()
    for topic, fs in sorted(tps.items()):
        fs = [f for f in fs if f.generated]
        if fs:
            out[GENERATED_DIR / f"{topic}.py"] = generate_topic(topic, fs)
    init = [
        "# Generated by `theorycheck codegen` (symbolic/codegen.py). DO NOT EDIT.",
        '"""Generated kernels, one module per formula topic (see symbolic/)."""',
        f"TOPICS = {sorted(p.stem for p in out)!r}",
        "",
    ]
    out[GENERATED_DIR / "__init__.py"] = "\n".join(init)
    return out


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_all() -> list[Path]:
    """(Re)write the generated files; remove generated topic files that no longer have formulas."""
    fresh = generate_all()
    changed = []
    for path, text in fresh.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            _atomic_write(path, text)
            changed.append(path)
    for stale in GENERATED_DIR.glob("*.py"):
        if stale not in fresh:
            stale.unlink()
            changed.append(stale)
    return changed


def check_all() -> list[str]:
    """Return a list of drift messages (empty when the committed files match a fresh generation)."""
    problems = []
    fresh = generate_all()
    for path, text in fresh.items():
        if not path.exists():
            problems.append(f"missing: {path.name}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"differs from a fresh generation: {path.name}")
    for stale in GENERATED_DIR.glob("*.py"):
        if stale not in fresh:
            problems.append(f"stale generated file (no formulas for it): {stale.name}")
    return problems
