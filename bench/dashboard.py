"""The dashboard's cost, side by side with headless training, in one run.

For each hidden size it measures

1. training throughput: ``bp-tui train`` (a subprocess) vs ``bp-tui --start`` running
   under a real pseudo-terminal (120×40, TERM=xterm-256color, COLORTERM unset), the same
   config, each recording into a temporary runs directory. Epochs/s is read from the
   run's summary.json: ``train`` = epochs / summed epoch time (the "Model Training time
   taken" figure, unrounded) and ``wall`` = epochs / (summary ``finished`` − config.json
   written), which also pays for evaluations, records and the UI thread's share of the
   GIL;
2. bytes the app writes to the terminal while it trains (the pty master is read
   continuously in a thread), as an average per second over the training window;
3. key-press latency while training at the largest size: ``p`` is sent through the pty
   and the time until "paused" (and, for the next press, "running") appears in the output
   stream is taken, ~30 presses of each; p50 / p95.

Not a test: numbers depend on the machine. Prints Markdown.

    .venv/bin/python bench/dashboard.py [--quick] [--fps 8] [--presses 30]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import pty
import random
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BP_TUI = str(Path(sys.executable).with_name("bp-tui"))
COLS, ROWS = 120, 40

TARGET_RATIO = 0.95
TARGET_BYTES = 30 * 1024
TARGET_P95 = 0.150
TARGET_START = 0.5


def run_flags(hidden: tuple[int, int], epochs: int, runs: Path, name: str) -> list[str]:
    return [
        "--data", "linear", "--n", "100", "--hidden", *map(str, hidden),
        "--optimizer", "sgd", "--batch-size", "1", "--lr", "0.1", "--seed", "1",
        "--epochs", str(epochs), "--runs-dir", str(runs), "--name", name,
    ]


def read_result(run_dir: Path) -> dict:
    summary = json.loads((run_dir / "summary.json").read_text())
    start = (run_dir / "config.json").stat().st_mtime
    epochs = summary["epoch"]
    return {
        "epochs": epochs,
        "train_eps": epochs / summary["duration"] if summary["duration"] else float("nan"),
        "wall_eps": epochs / (summary["finished"] - start),
        "start": start,
        "end": summary["finished"],
        "status": summary["status"],
    }


def headless(hidden, epochs, runs: Path) -> dict:
    name = f"headless-{hidden[0]}"
    cmd = [BP_TUI, "train", *run_flags(hidden, epochs, runs, name), "--no-predictions"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return read_result(runs / name)


class PtyApp:
    """``bp-tui`` on a pseudo-terminal; everything it writes is kept with timestamps."""

    def __init__(self, args: list[str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLORTERM", "NO_COLOR")}
        env.update(TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS))
        env.pop("TEXTUAL", None)
        self.proc = subprocess.Popen(
            [BP_TUI, *args], stdin=slave, stdout=slave, stderr=slave, env=env,
            start_new_session=True, close_fds=True,
        )
        os.close(slave)
        self.buf = bytearray()
        self.chunks: list[tuple[float, int]] = []  # (time.time(), bytes)
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                data = b""
            now = time.time()
            with self.cond:
                if not data:
                    self.closed = True
                    self.cond.notify_all()
                    return
                self.buf += data
                self.chunks.append((now, len(data)))
                self.cond.notify_all()

    closed = False

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def wait_for(self, text: bytes, since: int, timeout: float) -> float | None:
        """time.perf_counter() when ``text`` first appears at or after offset ``since``."""
        deadline = time.perf_counter() + timeout
        start = max(0, since - len(text))
        with self.cond:
            while True:
                if self.buf.find(text, start) >= 0:
                    return time.perf_counter()
                left = deadline - time.perf_counter()
                if left <= 0 or self.closed:
                    return None
                self.cond.wait(left)

    def bytes_between(self, t0: float, t1: float) -> int:
        with self.cond:
            return sum(n for t, n in self.chunks if t0 <= t <= t1)

    def quit(self) -> None:
        if self.proc.poll() is None:
            self.send(b"\x11")  # ctrl+q; with its run still training it asks: stop it
            time.sleep(0.5)
            self.send(b"s")
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.reader.join(2)
        os.close(self.master)


def wait_summary(run_dir: Path, app: PtyApp, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    path = run_dir / "summary.json"
    while time.monotonic() < deadline:
        if app.proc.poll() is not None:
            raise RuntimeError(f"bp-tui exited early ({app.proc.returncode})")
        try:
            if json.loads(path.read_text())["status"] != "running":
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.02)
    raise TimeoutError(f"{run_dir.name} did not finish in {timeout:.0f} s")


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds so far of each thread of ``pid``, by thread name."""
    out: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kind = "train" if name.startswith("bp-tui-train") else "analyst" if \
            name.startswith("bp-tui-analyst") else "ui" if task.name == str(pid) else "other"
        out[kind] = out.get(kind, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def dashboard(hidden, epochs, runs: Path, fps: float, timeout: float) -> dict:
    name = f"dash-{hidden[0]}"
    app = PtyApp([*run_flags(hidden, epochs, runs, name), "--start", "--fps", str(fps)])
    try:
        while not (runs / name / "metrics.jsonl").exists() and app.proc.poll() is None:
            time.sleep(0.01)
        t0, cpu0 = time.monotonic(), thread_cpu(app.proc.pid)
        wait_summary(runs / name, app, timeout)
        t1, cpu1 = time.monotonic(), thread_cpu(app.proc.pid)
        time.sleep(0.3)  # the last frame
    finally:
        app.quit()
    r = read_result(runs / name)
    r["bytes_per_s"] = app.bytes_between(r["start"], r["end"]) / (r["end"] - r["start"])
    r["total_bytes"] = len(app.buf)
    r["share"] = {k: (cpu1.get(k, 0.0) - cpu0.get(k, 0.0)) / (t1 - t0) for k in cpu1}
    return r


def start_latency(hidden, runs: Path, fps: float, tries: int) -> list[float]:
    """With the kernel already loaded in the background (the status says "ready"),
    seconds from pressing ``s`` until the status shows "running" (training has begun)."""
    out = []
    for i in range(tries):
        name = f"start-{hidden[0]}-{i}"
        app = PtyApp([*run_flags(hidden, 10**7, runs, name), "--fps", str(fps)])
        try:
            if app.wait_for("● ready".encode(), 0, 60) is None:
                raise RuntimeError("the dashboard never showed 'ready'")
            time.sleep(3.0)  # the background kernel load is over
            since = len(app.buf)
            t0 = time.perf_counter()
            app.send(b"s")
            t1 = app.wait_for("● running".encode(), since, 30)
            if t1 is not None:
                out.append(t1 - t0)
        finally:
            app.quit()
    return out


class Hog:
    """A CPU-bound process keeping the other core busy, as another user's job would."""

    def __init__(self, on: bool) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if on else None

    def __enter__(self) -> Hog:
        time.sleep(0.5 if self.proc else 0)
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()


def latency(hidden, runs: Path, fps: float, presses: int) -> dict:
    """Press ``p`` while training; time until the status shows paused / running."""
    name = f"keys-{hidden[0]}"
    app = PtyApp([*run_flags(hidden, 10**7, runs, name), "--start", "--fps", str(fps)])
    pause, resume = [], []
    missed = 0
    try:
        if app.wait_for("● running".encode(), 0, 120) is None:
            raise RuntimeError("the run never showed 'running'")
        time.sleep(1.0)
        for _ in range(presses):
            for word, into in ((b"paused", pause), (b"running", resume)):
                since = len(app.buf)
                t0 = time.perf_counter()
                app.send(b"p")
                t1 = app.wait_for(b"\xe2\x97\x8f " + word, since, 5.0)
                if t1 is None:
                    missed += 1
                else:
                    into.append(t1 - t0)
                time.sleep(random.uniform(0.15, 0.45))
    finally:
        app.quit()
    both = pause + resume
    return {"pause": pause, "resume": resume, "all": both, "missed": missed}


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def measure(sizes, seconds, repeats, presses, fps, tmp: Path, busy: bool) -> dict:
    """Throughput rows, key latency at the largest size and start latency, under one
    load (``busy``: with a CPU hog on the other core)."""
    rows = []
    with Hog(busy):
        for h in sizes:
            hidden = (h, h)
            probe = headless(hidden, 50 if h >= 256 else 1000, tmp / f"probe-{h}-{busy}")
            epochs = max(50, int(probe["train_eps"] * seconds))
            hls, dbs = [], []
            for i in range(repeats):  # alternate the two, best of `repeats` each
                hls.append(headless(hidden, epochs, tmp / f"h-{h}-{i}-{busy}"))
                dbs.append(dashboard(hidden, epochs, tmp / f"d-{h}-{i}-{busy}", fps,
                                     timeout=seconds * 20 + 60))
            hl = max(hls, key=lambda r: r["wall_eps"])
            db = max(dbs, key=lambda r: r["wall_eps"])
            db["bytes_per_s"] = statistics.median(r["bytes_per_s"] for r in dbs)
            rows.append((hidden, epochs, hl, db))
            print(f"… {'busy' if busy else 'idle'} {hidden}: done", file=sys.stderr)
        lat = latency((sizes[-1],) * 2, tmp / f"keys-{busy}", fps, presses)
        starts = start_latency((sizes[0],) * 2, tmp / f"start-{busy}", fps, 3)
    return {"rows": rows, "lat": lat, "starts": starts, "load": os.getloadavg()[0]}


def report(m: dict, busy: bool, fps: float, repeats: int, sizes) -> None:
    what = "another process keeps the other core busy (python3 -c 'while True: pass')" \
        if busy else "idle machine"
    print(f"### {what} (load average at the end {m['load']:.1f})\n")
    print("| hidden | epochs | headless ep/s (train / wall) | dashboard ep/s (train / wall) "
          "| dashboard ÷ headless (wall) | UI thread / analyst, share of a core "
          "| bytes/s to the terminal |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for hidden, epochs, hl, db in m["rows"]:
        ratio = db["wall_eps"] / hl["wall_eps"]
        ok = "" if busy else (" ✓" if ratio >= TARGET_RATIO else " ✗")
        share = db["share"]
        print(f"| {hidden[0]},{hidden[1]} | {epochs:,} "
              f"| {hl['train_eps']:,.1f} / {hl['wall_eps']:,.1f} "
              f"| {db['train_eps']:,.1f} / {db['wall_eps']:,.1f} "
              f"| {ratio * 100:.0f} %{ok} "
              f"| {share.get('ui', 0) * 100:.0f} % / {share.get('analyst', 0) * 100:.0f} % "
              f"| {db['bytes_per_s'] / 1024:.1f} KiB/s |")
    lat, h = m["lat"], sizes[-1]
    print(f"\nKey press while training ({h},{h}), `p` → the status shows it "
          f"({len(lat['all'])} presses, {lat['missed']} missed):\n")
    print("| key | n | p50 | p95 | max |")
    print("|---|---:|---:|---:|---:|")
    for label, xs in (("p → paused", lat["pause"]), ("p → running", lat["resume"]),
                      ("all", lat["all"])):
        p95 = pct(xs, 0.95)
        mark = (" ✓" if p95 <= TARGET_P95 else " ✗") if label == "all" else ""
        print(f"| {label} | {len(xs)} | {pct(xs, 0.5) * 1000:.0f} ms | {p95 * 1000:.0f} ms"
              f"{mark} | {max(xs, default=float('nan')) * 1000:.0f} ms |")
    starts = m["starts"]
    print("\nStart (`s`, the kernel loaded in the background) → training: "
          + ", ".join(f"{t * 1000:.0f} ms" for t in starts)
          + (f" {'✓' if max(starts) <= TARGET_START else '✗'} (≤ 0.5 s)" if starts else "")
          + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter runs, fewer presses")
    ap.add_argument("--fps", type=float, default=8.0)
    ap.add_argument("--presses", type=int, default=30)
    ap.add_argument("--sizes", default="64,512", help="hidden sizes h (layers h,h)")
    ap.add_argument("--seconds", type=float, default=10.0, help="target length of a run")
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs of each kind per size (best throughput, median bytes/s)")
    ap.add_argument("--loads", default="idle,busy", help="idle, busy or both")
    args = ap.parse_args()
    seconds = 4.0 if args.quick else args.seconds
    presses = 10 if args.quick else args.presses
    repeats = 1 if args.quick else args.repeats
    sizes = [int(s) for s in args.sizes.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="bp-tui-bench-"))
    results = {}
    try:
        for load in args.loads.split(","):
            results[load] = measure(sizes, seconds, repeats, presses, args.fps, tmp,
                                    busy=load == "busy")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"## Dashboard vs headless — {machine()}\n")
    print(f"linear n=100, sgd per point, lr 0.1, seed 1; dashboard under a pty {COLS}×{ROWS}, "
          f"TERM=xterm-256color, --fps {args.fps:g}; runs recorded to a tmp dir; best of "
          f"{repeats} alternating runs each (bytes/s: their median). Targets: dashboard ≥ "
          f"{TARGET_RATIO:.0%} of headless (idle), key → screen p95 ≤ "
          f"{TARGET_P95 * 1000:.0f} ms, start ≤ {TARGET_START} s.\n")
    for load, m in results.items():
        report(m, load == "busy", args.fps, repeats, sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
