"""Time of every registered formula's mpmath backend at a typical point (default dps 40).

Run:  OMP_NUM_THREADS=1 python benchmarks/time_mpmath_formulas.py [--dps 40] [--only PREFIX]
(with the package importable as theorycheck).  Prints one line per
formula: process CPU seconds and wall seconds for one ``verify.formulas.evaluate`` call (both
confirmation precisions included; CPU time is the figure to compare on a shared machine).  A typical
point: 1/2 for every parameter except the overrides below (a
chaotic tanh/erf network sw2 = 4, sb2 = 1/20, where c* < 1 and the 2-D correlation map is solved;
sub-critical ReLU sw2 = 3/2 where a constraint needs it).
"""
from __future__ import annotations

import argparse
import time

from theorycheck.symbolic.registry import all_formulas, load_all
from theorycheck.verify.formulas import evaluate

TYPICAL = {"sw2": "4", "sb2": "1/20", "rho": "1/2", "k": "3", "n": "3", "g": "3/2", "a": "1/10",
           "theta0": "1/4", "theta": "1/2", "uf": "1/4", "u0": "1/8", "gamma": "1/10"}
SUBCRITICAL = {"sw2": "3/2"}


def typical_point(f) -> dict[str, str]:
    pt = {p.name: TYPICAL.get(p.name, "1/2") for p in f.params}
    if f.id.split(".")[-1] in ("relu", "leaky_relu") and "sw2" in pt:
        pt.update(SUBCRITICAL)
    return pt


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dps", type=int, default=40)
    ap.add_argument("--only", default="")
    args = ap.parse_args(argv)
    load_all()
    rows = []
    for f in all_formulas():
        if not f.id.startswith(args.only):
            continue
        pt = typical_point(f)
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            val = evaluate(f.id, pt, backend="mpmath", dps=args.dps).value
        except ValueError as e:
            val = f"ERROR {e}"
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        rows.append((cpu, wall, f.id, pt, val))
        print(f"{cpu:9.3f} s cpu {wall:9.3f} s wall  {f.id}  {pt}  {val}", flush=True)
    print("--- slowest five (cpu) ---")
    for cpu, wall, fid, pt, val in sorted(rows)[-5:][::-1]:
        print(f"{cpu:9.3f} s cpu {wall:9.3f} s wall  {fid}  {pt}")


if __name__ == "__main__":
    main()
