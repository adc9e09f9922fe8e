"""Speed of bp-tui's training engines against the lab report's code (bench/reference.py).

    .venv/bin/python bench/speed.py            # full run (a few minutes)
    .venv/bin/python bench/speed.py --quick    # fewer repeats, sizes 64 and 512 only
    .venv/bin/python bench/speed.py --blas-threads 1   # OpenBLAS on one thread (re-execs)

Prints Markdown tables of ms per epoch (median of interleaved repeats) on ``linear``
n = 100, float64, sigmoid, mse, lr 0.1: per-point SGD (reference, numpy backend, numba
backend), full batch (reference vs ``core.train.kernels.batch.sgd_batch_step``, the trainer's
batch path, and the readable ``Network.forward/backward`` + SGD), and a saturated
late-training state where subnormal floats appear (numba kernel with and without
flush-to-zero).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.reference import ReportNet
from core.nn.losses import get_loss
from core.nn.network import Network
from core.nn.optimizers import SGD
from core.train import kernels
from core.train.kernels.batch import sgd_batch_step

LR = 0.1
TINY = np.finfo(np.float64).tiny


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


def interleaved_ms(fns, rounds: int, inner=None) -> list[float]:
    """Median ms of each of ``fns``, timed in interleaved rounds (fn0, fn1, … per round,
    fn i run ``inner[i]`` times per round), so load from other processes on a shared
    machine falls on all of them alike rather than on whichever ran during a burst."""
    inner = inner or [1] * len(fns)
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for fn, k, out in zip(fns, inner, times, strict=True):
            for _ in range(k):
                t0 = time.perf_counter()
                fn()
                out.append(time.perf_counter() - t0)
    return [statistics.median(t) * 1e3 for t in times]


def fresh(hidden, seed=1) -> Network:
    return Network(hidden, rng=np.random.default_rng(seed))


PER_POINT = ("reference", "numpy", "numba")


def per_point_ms(candidate: str, hidden, X, y, repeats: int) -> float:
    """Median ms of one per-point SGD epoch of ``candidate`` (in this process only)."""
    order = np.arange(len(X))
    net = fresh(hidden)
    if candidate == "reference":
        ref = ReportNet(*hidden, LR, np.random.default_rng(0))
        ref.set_params(net.Ws, net.Bs)
        return median_ms(lambda: ref.train_epoch(X, y), repeats, warmup=2)
    if candidate == "numba":
        kernels.ensure_compiled(lambda msg: None)
    inner = 4 if candidate == "numba" else 1

    def epochs():
        for _ in range(inner):
            kernels.sgd_epoch(net.Ws, net.Bs, X, y, order, LR, 0, 0, candidate)

    return median_ms(epochs, repeats, warmup=2) / inner


def per_point_row(hidden, repeats: int, rounds: int = 5) -> tuple[float, float, float]:
    """(reference, numpy, numba) ms per epoch, each timed in a process of its own.

    As the report's script ran: in a fresh process the reference's big fresh arrays
    (2 MiB each at (512,512)) come from mmap with page faults; timed in one process
    after other code, a grown heap serves them and its (512,512) epoch looked 5–7×
    faster than the report's code really runs. Rounds interleave the three processes so
    load from elsewhere falls on all alike; each figure is the median over rounds.
    """
    h = hidden[0]
    times: dict[str, list[float]] = {c: [] for c in PER_POINT}
    for _ in range(rounds):
        for c in PER_POINT:
            out = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--row", str(h),
                 "--only", c, "--repeats", str(repeats)],
                check=True, capture_output=True, text=True,
            ).stdout.strip().splitlines()[-1]
            times[c].append(float(out))
    t_ref, t_np, t_nb = (statistics.median(times[c]) for c in PER_POINT)
    return t_ref, t_np, t_nb


def full_batch_row(hidden, X, y, repeats: int) -> tuple[float, float, float]:
    net, fast = fresh(hidden), fresh(hidden)
    ref = ReportNet(*hidden, LR, np.random.default_rng(0))
    ref.set_params(net.Ws, net.Bs)
    loss, opt = get_loss("mse"), SGD(LR)

    def network_epoch():
        _, cache = net.forward(X)
        dWs, dBs = net.backward(cache, y, loss)
        opt.step(net.params(), dWs + dBs)

    t_ref, t_fast, t_net = interleaved_ms(
        [
            lambda: ref.train_epoch_full_batch(X, y),
            lambda: sgd_batch_step(fast, X, y, LR, loss),
            network_epoch,
        ],
        repeats * 4,
    )
    return t_ref, t_fast, t_net


def saturated_state(hidden) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights blown up ×600 in the hidden layers: many sigmoids land deep in
    saturation, so activations, their derivatives and the updates go subnormal —
    the state a long run drifts into on a plateau."""
    net = fresh(hidden)
    net.Ws[0] *= 600.0
    net.Bs[0] *= 600.0
    net.Ws[1] *= 600.0
    return net.Ws, net.Bs


def count_subnormals(Ws, Bs, X) -> int:
    net = fresh((Ws[0].shape[1], Ws[1].shape[1]))
    for live, W in zip(net.Ws, Ws, strict=True):
        live[...] = W
    for live, B in zip(net.Bs, Bs, strict=True):
        live[...] = B
    _, cache = net.forward(X)
    return sum(int(np.sum((np.abs(A) < TINY) & (A != 0))) for A in cache.As)


def late_row(hidden, X, y, repeats: int) -> tuple[int, float, float]:
    order = np.arange(len(X))
    Ws, Bs = saturated_state(hidden)
    n_sub = count_subnormals(Ws, Bs, X)
    runs = {}
    for flush in (True, False):
        W = [a.copy() for a in Ws]
        B = [a.copy() for a in Bs]
        runs[flush] = median_ms(
            lambda W=W, B=B, flush=flush: kernels.sgd_epoch(
                W, B, X, y, order, LR, 0, 0, "numba", flush=flush
            ),
            repeats * 4,
        )
    return n_sub, runs[True], runs[False]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, sizes 64 and 512")
    ap.add_argument("--repeats", type=int, default=None, help="repeats per timing")
    ap.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="run with OPENBLAS_NUM_THREADS=N (the script re-executes itself so the "
        "setting is in place before NumPy loads OpenBLAS)",
    )
    ap.add_argument("--row", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--only", choices=PER_POINT, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.blas_threads is not None and os.environ.get("OPENBLAS_NUM_THREADS") != str(
        args.blas_threads
    ):
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.blas_threads))
        cmd = [sys.executable, str(Path(__file__).resolve()), *(argv or sys.argv[1:])]
        raise SystemExit(subprocess.call(cmd, env=env))
    repeats = args.repeats or (3 if args.quick else 7)
    sizes = [64, 512] if args.quick else [64, 128, 256, 512]
    X, y = linear_data()
    if args.row is not None:  # one candidate of a per-point row (see per_point_row)
        print(per_point_ms(args.only, (args.row, args.row), X, y, repeats))
        return

    t0 = time.perf_counter()
    kernels.ensure_compiled(lambda msg: print(msg, file=sys.stderr))
    print(f"kernel ready in {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    print(
        f"# bp-tui speed — {platform.machine()}, {os.cpu_count()} CPUs, numpy "
        f"{np.__version__}, OPENBLAS_NUM_THREADS="
        f"{os.environ.get('OPENBLAS_NUM_THREADS', '(default)')}, "
        f"median of {repeats}+ repeats, linear n=100, float64\n"
    )

    print("## Per-point SGD, ms per epoch\n")
    print("| hidden | reference | numpy | numba | numpy × | numba × |")
    print("|---|---:|---:|---:|---:|---:|")
    for h in sizes:
        t_ref, t_np, t_nb = per_point_row((h, h), repeats)
        print(
            f"| ({h},{h}) | {t_ref:.3f} | {t_np:.3f} | {t_nb:.3f} "
            f"| {t_ref / t_np:.1f}× | {t_ref / t_nb:.1f}× |",
            flush=True,
        )

    print("\n## Full batch (one update per epoch), ms per epoch\n")
    print("| hidden | reference | bp-tui (batch_numpy) | readable Network | bp-tui × |")
    print("|---|---:|---:|---:|---:|")
    for h in sizes:
        t_ref, t_fast, t_net = full_batch_row((h, h), X, y, repeats)
        print(
            f"| ({h},{h}) | {t_ref:.3f} | {t_fast:.3f} | {t_net:.3f} | {t_ref / t_fast:.2f}× |",
            flush=True,
        )

    print("\n## Late training (saturated sigmoids, subnormals), numba ms per epoch\n")
    print("| hidden | subnormal activations | flush on | flush off | off / on |")
    print("|---|---:|---:|---:|---:|")
    for h in sizes:
        n_sub, t_on, t_off = late_row((h, h), X, y, repeats)
        print(
            f"| ({h},{h}) | {n_sub} | {t_on:.3f} | {t_off:.3f} | {t_off / t_on:.2f}× |", flush=True
        )


if __name__ == "__main__":
    main()
