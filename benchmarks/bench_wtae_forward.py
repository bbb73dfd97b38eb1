"""Benchmark: the weight-tied autoencoder forward pass (numeric/wtae_sim.wtae_forward) at n = 2000, L = 50,
batch 64 -- GFLOP/s as a fraction of this machine's GEMM rate measured in the same run, and the share of the
time spent generating the weights.

FLOPs counted: the two matrix products per layer (encoder h W^T and decoder u W), 2 * 2 * batch * n^2 each
layer (numeric.wtae_sim.forward_flops): 51.2 GFLOP.  The baseline GEMM rate is ``torch.mm`` of the same shapes
(batch x n times n x n) on pre-generated matrices, in the same dtype, in the same run: the rate any
implementation of this forward pass could at best reach.  Weight generation (``torch.randn`` of L n x n
matrices, 200 M normals) is reported separately: the simulation must draw each W_l once (it is used twice),
so the generation is part of its cost, but it is not floating-point work in the GFLOP count.

Run:  OMP_NUM_THREADS=1 pytest benchmarks/bench_wtae_forward.py --benchmark-enable
The ratios are printed and stored in ``extra_info``.  Memory: the L weights are kept between the encoder and
the decoder, 1.6 GB in float64 (0.8 GB in float32).
"""
from __future__ import annotations


import numpy as np
import pytest

torch = pytest.importorskip("torch")

from theorycheck.numeric.backend import generator  # noqa: E402
from theorycheck.numeric.wtae_sim import forward_flops, wtae_forward  # noqa: E402
from _timing import best_time  # noqa: E402  (benchmarks/_timing.py)

N, L, BATCH = 2000, 50, 64




@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_bench_wtae_forward_vs_gemm(benchmark, dtype):
    dt = getattr(torch, dtype)
    g = torch.Generator().manual_seed(0)
    a = torch.randn(BATCH, N, generator=g, dtype=dt)
    w = torch.randn(N, N, generator=g, dtype=dt)
    out = torch.empty(BATCH, N, dtype=dt)
    reps = 10
    t_mm = best_time(lambda: [torch.mm(a, w, out=out) for _ in range(reps)]) / reps
    gemm_rate = 2.0 * BATCH * N * N / t_mm  # FLOP/s of one batch x n by n x n product
    x = np.sign(np.random.default_rng(0).standard_normal((BATCH, N)))
    widths = (N,) * (L + 1)
    res = benchmark.pedantic(lambda: wtae_forward(x, widths, 2.312, 0.211, 0.0, generator([1]), dtype=dtype,
                                                  keep_output=False), rounds=2, iterations=1)
    t_total = benchmark.stats.stats.min
    flops = forward_flops(widths, BATCH)
    t_gen = res.seconds_weights
    rate_all = flops / t_total
    rate_ex = flops / max(t_total - t_gen, 1e-12)
    # correctness after timing: the statistics are finite and the encoder q is near its theory value
    assert np.isfinite(res.gamma_hat).all() and np.isfinite(res.enc_q).all()
    benchmark.extra_info.update({
        "dtype": dtype, "gflop": flops / 1e9, "gemm_gflops": gemm_rate / 1e9,
        "forward_gflops": rate_all / 1e9, "forward_gflops_excluding_generation": rate_ex / 1e9,
        "fraction_of_gemm": rate_all / gemm_rate, "fraction_of_gemm_excluding_generation": rate_ex / gemm_rate,
        "weight_generation_share": t_gen / t_total, "seconds": t_total,
        "size": f"n={N}, L={L}, batch={BATCH}",
    })
    print(f"\nwtae_forward {dtype} n={N} L={L} batch={BATCH}: {t_total:.2f} s, {rate_all / 1e9:.2f} GFLOP/s = "
          f"{rate_all / gemm_rate:.1%} of this machine's GEMM rate {gemm_rate / 1e9:.2f} GFLOP/s; excluding weight "
          f"generation {rate_ex / 1e9:.2f} GFLOP/s = {rate_ex / gemm_rate:.1%}; weight generation "
          f"{t_gen / t_total:.1%} of the time")
