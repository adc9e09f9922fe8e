"""Speed of bp-tui's training engines against the lab report's code (bench/reference.py).

    .venv/bin/python bench/speed.py            # full run (several minutes)
    .venv/bin/python bench/speed.py --quick    # fewer repeats, sizes 64 and 256 only
    .venv/bin/python bench/speed.py --blas-threads 1   # OpenBLAS on one thread (re-execs)

Prints Markdown tables of ms per epoch on ``linear`` n = 100, float64, sigmoid, mse:

1. per point, every optimiser: the report's code (plain SGD), the compiled kernel with
   sgd / momentum / adam, and the NumPy engine with sgd / momentum / adam — each
   candidate timed in a process of its own (as the report's script ran), in interleaved
   rounds (median), so load from other processes falls on all of them alike;
2. mini-batches (the NumPy engine's vectorised path): full batch against the report's
   code fed the whole set, and batches of 16 with each optimiser;
3. a saturated late-training state where subnormal floats appear (kernel with and
   without flush-to-zero);
4. the kernel's compile time: cold (an empty cache) and warm (a cache load), each in a
   fresh process — one compilation serves every depth and optimiser.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.reference import ReportNet
from core.nn.losses import get_loss
from core.nn.network import Network
from core.nn.optimizers import make_optimizer
from core.train import kernels

LR = 0.1
TINY = np.finfo(np.float64).tiny
SELF = str(Path(__file__).resolve())
PER_POINT = ("reference", "numba:sgd", "numba:momentum", "numba:adam",
             "numpy:sgd", "numpy:momentum", "numpy:adam", "numpy-before:sgd")


def linear_data(n: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n uniform points in [0, 1)², label 0 if x0 > x1 else 1; y (n, 1)."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 2))
    y = np.where(X[:, 0] > X[:, 1], 0.0, 1.0).reshape(-1, 1)
    return X, y


def median_ms(fn, repeats: int, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def fresh(hidden, seed=1) -> Network:
    return Network(hidden, rng=np.random.default_rng(seed))


def epochs_fn(backend: str, opt_name: str, hidden, X, y, batch: int = 1, k: int = 1):
    """(a callable training ``k`` epochs of ``backend`` / ``opt_name``, its network, its
    engine)."""
    net = fresh(hidden)
    loss = get_loss("mse")
    engine = kernels.make_engine(backend, net.layout, net.act, loss, batch, X, y)
    opt = make_optimizer(opt_name, LR if opt_name == "sgd" else 0.001)
    orders = np.tile(np.arange(len(X), dtype=np.int64), (k, 1))
    evals = np.zeros(k, bool)
    return (lambda: kernels.train_chunk(engine, net.theta, orders, opt, evals, net.layout),
            net, engine)


def per_point_ms(candidate: str, hidden, X, y, repeats: int) -> float:
    """Median ms of one per-point epoch of ``candidate`` (in this process only)."""
    if candidate == "reference":
        ref = ReportNet(*hidden, LR, np.random.default_rng(0))
        net = fresh(hidden)
        ref.set_params(net.Ws, net.Bs)
        return median_ms(lambda: ref.train_epoch(X, y), repeats, warmup=2)
    if candidate == "numpy-before:sgd":  # the specialised epoch core had until issue 8
        from bench.numpy_variants import sgd_epoch_numpy

        net, order = fresh(hidden), np.arange(len(X), dtype=np.int64)
        code = get_loss("mse").code
        return median_ms(lambda: sgd_epoch_numpy(net.Ws, net.Bs, X, y, order, LR,
                                                 net.act.code, code), repeats, warmup=2)
    backend, opt_name = candidate.split(":")
    if backend == "numba":
        kernels.ensure_compiled(lambda msg: None)
    k = 4 if backend == "numba" else 1
    fn, _, _ = epochs_fn(backend, opt_name, hidden, X, y, k=k)
    return median_ms(fn, repeats, warmup=2) / k


def per_point_row(h: int, repeats: int, rounds: int) -> dict[str, float]:
    """Every candidate's ms per epoch at (h, h), each in a process of its own.

    As the report's script ran: in a fresh process the reference's big fresh arrays
    (2 MiB each at (512,512)) come from mmap with page faults; timed in one process
    after other code, a grown heap serves them and its (512,512) epoch looked 5–7×
    faster than the report's code really runs.
    """
    times: dict[str, list[float]] = {c: [] for c in PER_POINT}
    for _ in range(rounds):
        for c in PER_POINT:
            out = subprocess.run(
                [sys.executable, SELF, "--row", str(h), "--only", c, "--repeats", str(repeats)],
                check=True, capture_output=True, text=True,
            ).stdout.strip().splitlines()[-1]
            times[c].append(float(out))
    return {c: statistics.median(t) for c, t in times.items()}


def batch_row(h: int, X, y, repeats: int) -> list[float]:
    """[reference full batch, engine full batch, batch 16 × sgd / momentum / adam] ms."""
    net = fresh((h, h))
    ref = ReportNet(h, h, LR, np.random.default_rng(0))
    ref.set_params(net.Ws, net.Bs)
    fns = [lambda: ref.train_epoch_full_batch(X, y), epochs_fn("numpy", "sgd", (h, h), X, y,
                                                              batch=len(X))[0]]
    fns += [epochs_fn("numpy", o, (h, h), X, y, batch=16)[0] for o in ("sgd", "momentum", "adam")]
    return [median_ms(fn, repeats * 4, warmup=2) for fn in fns]


def late_row(h: int, X, y, repeats: int) -> tuple[int, float, float]:
    """Weights blown up ×600 in the hidden layers: many sigmoids land deep in saturation,
    so activations, their derivatives and the updates go subnormal — the state a long
    run drifts into on a plateau. (subnormal activations, flush on, flush off) ms."""
    kernels.ensure_compiled(lambda msg: None)
    runs, n_sub = {}, 0
    for flush in (True, False):
        fn, net, engine = epochs_fn("numba", "sgd", (h, h), X, y)
        net.Ws[0] *= 600.0
        net.Bs[0] *= 600.0
        net.Ws[1] *= 600.0
        _, cache = net.forward(X)
        n_sub = sum(int(np.sum((np.abs(A) < TINY) & (A != 0))) for A in cache.As)
        engine.flush = flush
        runs[flush] = median_ms(fn, repeats * 4)
    return n_sub, runs[True], runs[False]


def compile_seconds() -> tuple[float, float]:
    """(cold, warm) seconds of ``ensure_compiled`` in fresh processes, on an empty
    cache folder and then on the cache it left."""
    code = ("import time; t = time.perf_counter()\n"
            "from core.train import kernels; kernels.ensure_compiled(lambda m: None)\n"
            "print(time.perf_counter() - t)\n")
    out = []
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for _ in range(2):
            res = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                 capture_output=True, text=True, cwd=Path(SELF).parents[1])
            out.append(float(res.stdout.strip().splitlines()[-1]))
    return out[0], out[1]


def print_per_point(sizes, repeats, rounds) -> None:
    print("## Per point, ms per epoch (each candidate in its own process)\n")
    print("| hidden | report's code (sgd) | kernel sgd | kernel momentum | kernel adam "
          "| numpy sgd | numpy momentum | numpy adam | numpy sgd, before issue 8 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    ratios = []
    for h in sizes:
        t = per_point_row(h, repeats, rounds)
        print(f"| ({h},{h}) | " + " | ".join(f"{t[c]:.3f}" for c in PER_POINT) + " |", flush=True)
        ratios.append((h, t))
    print("\n| hidden | kernel sgd × | momentum × | adam × | momentum ÷ sgd | adam ÷ sgd "
          "| numpy sgd × | numpy momentum × | numpy adam × | numpy before × |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for h, t in ratios:
        ref = t["reference"]
        cells = [ref / t[c] for c in ("numba:sgd", "numba:momentum", "numba:adam")]
        cells += [t["numba:momentum"] / t["numba:sgd"], t["numba:adam"] / t["numba:sgd"]]
        cells += [ref / t[c] for c in ("numpy:sgd", "numpy:momentum", "numpy:adam",
                                       "numpy-before:sgd")]
        print(f"| ({h},{h}) | " + " | ".join(f"{v:.1f}×" for v in cells) + " |")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, sizes 64 and 256")
    ap.add_argument("--repeats", type=int, default=None, help="repeats per timing")
    ap.add_argument("--rounds", type=int, default=None, help="interleaved process rounds")
    ap.add_argument("--blas-threads", type=int, default=None,
                    help="run with OPENBLAS_NUM_THREADS=N (the script re-executes itself so "
                         "the setting is in place before NumPy loads OpenBLAS)")
    ap.add_argument("--row", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--only", choices=PER_POINT, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.blas_threads is not None and os.environ.get("OPENBLAS_NUM_THREADS") != str(
            args.blas_threads):
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.blas_threads))
        raise SystemExit(subprocess.call([sys.executable, SELF, *(argv or sys.argv[1:])],
                                         env=env))
    repeats = args.repeats or (3 if args.quick else 7)
    rounds = args.rounds or (3 if args.quick else 5)
    sizes = [64, 256] if args.quick else [64, 128, 256, 512]
    X, y = linear_data()
    if args.row is not None:  # one candidate of a per-point row (see per_point_row)
        print(per_point_ms(args.only, (args.row, args.row), X, y, repeats))
        return
    cold, warm = compile_seconds()
    print(f"# bp-tui speed — {platform.machine()}, {os.cpu_count()} CPUs, numpy "
          f"{np.__version__}, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', '(default)')}, linear n=100, float64, "
          f"load average at the start {os.getloadavg()[0]:.2f}\n")
    print(f"Kernel compile (one signature for every depth and optimiser): cold {cold:.1f} s, "
          f"warm (cache load, numba import included) {warm:.2f} s\n")
    print_per_point(sizes, repeats, rounds)
    print("\n## Mini-batches (the NumPy engine), ms per epoch\n")
    print("| hidden | report's code, full batch | engine, full batch | batch 16 sgd "
          "| batch 16 momentum | batch 16 adam |")
    print("|---|---:|---:|---:|---:|---:|")
    for h in sizes:
        print(f"| ({h},{h}) | " + " | ".join(f"{v:.3f}" for v in batch_row(h, X, y, repeats))
              + " |", flush=True)
    print("\n## Late training (saturated sigmoids, subnormals), kernel ms per epoch\n")
    print("| hidden | subnormal activations | flush on | flush off | off / on |")
    print("|---|---:|---:|---:|---:|")
    for h in sizes:
        n_sub, t_on, t_off = late_row(h, X, y, repeats)
        print(f"| ({h},{h}) | {n_sub} | {t_on:.3f} | {t_off:.3f} | {t_off / t_on:.2f}× |",
              flush=True)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
