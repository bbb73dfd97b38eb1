"""Benchmark: the Safran-Shamir hot loop (numeric/safran_shamir.py) at k = n = 20, beside the sampled-data
autograd implementation a user would otherwise write, in the same run.

* gradient step: closed-form batched gradient (the training loop's fast path) for RUNS runs, reported as
  runs x steps per second; baseline: the sampled objective (M Gaussian inputs shared by the runs) and its
  autograd gradient for the same runs -- which is also only an estimate (its standard error at M = 4096
  is reported, the closed form is exact);
* exact Hessian: the closed-form (n k) x (n k) Hessian of RUNS_H runs; baseline: torch.autograd.functional
  .hessian of the closed-form loss, run by run (the exact alternative without hand-derived second
  derivatives).

Run:  pytest benchmarks/bench_safran_shamir.py --benchmark-enable
The ratios are printed and stored in ``extra_info``.  Threads: one (set below).
"""
from __future__ import annotations

import math
import time

import pytest

torch = pytest.importorskip("torch")

from theorycheck.numeric import safran_shamir as S  # noqa: E402
from theorycheck.numeric.backend import generator  # noqa: E402
from _timing import best_time  # noqa: E402  (benchmarks/_timing.py)

K = N = 20
RUNS, RUNS_H, M = 256, 16, 4096




def test_bench_gradient_step_vs_sampled_autograd(benchmark):
    W = S.xavier_init(RUNS, N, K, generator((1,)))
    X = torch.randn(M, K, dtype=torch.float64, generator=torch.Generator().manual_seed(2))

    def sampled():
        Wr = W.clone().requires_grad_(True)
        S.sampled_loss_torch(Wr, X).sum().backward()
        return Wr.grad

    t_sampled = best_time(sampled, repeat=5)
    G = benchmark.pedantic(lambda: S.grad_torch(W, accurate=False), rounds=5, iterations=1)
    t_closed = benchmark.stats.stats.min
    err = float((sampled() - G).abs().max())  # the sampled gradient's error at M inputs (closed form exact)
    assert torch.isfinite(G).all()
    benchmark.extra_info.update({
        "closed_runs_steps_per_s": RUNS / t_closed, "sampled_runs_steps_per_s": RUNS / t_sampled,
        "sampled_over_closed": t_sampled / t_closed, "sampled_max_abs_gradient_error": err,
        "size": f"k = n = {K}, runs = {RUNS}, sampled inputs M = {M}"})
    print(f"\nSafran-Shamir k=n={K}: closed-form gradient {RUNS / t_closed:.0f} run-steps/s, sampled autograd "
          f"(M={M}) {RUNS / t_sampled:.0f} run-steps/s: ratio {t_sampled / t_closed:.1f}x; sampled gradient "
          f"error {err:.2g} (~1/sqrt(M) = {1 / math.sqrt(M):.2g})")


def _loss_autograd_safe(w):
    """The closed-form objective of one run written for autograd: the self-pairs |w_i|^2/2 apart (arccos has
    an infinite derivative at cosine 1), the other pairs through the arc-cosine kernel."""
    V = torch.eye(K, dtype=torch.float64)
    eye = torch.eye(N, dtype=torch.bool)

    def kern(A, B, mask=None):
        na, nb = A.norm(dim=-1), B.norm(dim=-1)
        c = (A @ B.T) / (na[:, None] * nb[None, :])
        if mask is not None:
            c = torch.where(mask, torch.zeros_like(c), c)
        th = torch.acos(c.clamp(-1, 1))
        f = na[:, None] * nb[None, :] * (torch.sin(th) + (math.pi - th) * torch.cos(th)) / (2 * math.pi)
        return (f if mask is None else torch.where(mask, torch.zeros_like(f), f)).sum()

    return (kern(w, w, eye) + (w * w).sum() / 2 - 2 * kern(w, V) + K / 2 + K * (K - 1) / (2 * math.pi))


def test_bench_exact_hessian_vs_autograd_hessian(benchmark):
    W = S.xavier_init(RUNS_H, N, K, generator((3,)))

    def autograd_hessians():
        return torch.stack([torch.autograd.functional.hessian(_loss_autograd_safe, w).reshape(N * K, N * K)
                            for w in W])

    t0 = time.perf_counter()
    Ha = autograd_hessians()
    t_auto = time.perf_counter() - t0
    H = benchmark.pedantic(lambda: S.hessian_torch(W), rounds=3, iterations=1)
    t_closed = benchmark.stats.stats.min
    diff = float((H - Ha).abs().max())
    assert diff < 1e-10
    benchmark.extra_info.update({
        "closed_hessians_per_s": RUNS_H / t_closed, "autograd_hessians_per_s": RUNS_H / t_auto,
        "autograd_over_closed": t_auto / t_closed, "max_abs_difference": diff,
        "size": f"k = n = {K}: {N * K} x {N * K} Hessians, {RUNS_H} runs"})
    print(f"\nSafran-Shamir exact Hessian k=n={K}: closed form {RUNS_H / t_closed:.1f} Hessians/s, autograd "
          f"{RUNS_H / t_auto:.2f} Hessians/s: ratio {t_auto / t_closed:.1f}x (max |difference| {diff:.2g})")
