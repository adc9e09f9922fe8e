"""What subscribed viewers cost a live run: epochs/s with 0 viewers, then N, then 0.

A run trains in this process (``RunHost``, its control socket on); a second process
opens N viewers on the socket — each subscribes and asks for the boundary view, as an
attached dashboard does — and reads every update it is sent. The trainer's rate is
sampled from its state over each phase. Usage:
``.venv/bin/python bench/viewers.py [N=50] [SECONDS=6]``; prints the rates with 0, 1,
N and again 0 viewers, the cost in percent, the updates each viewer got per second, and
the machine's load (quote it with the numbers: a busy machine blurs them).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.config import RunConfig
from core.run.host import RunHost

CONFIG = RunConfig(data="xor", hidden=(4, 4), lr=0.5, epochs=10**9, log_every=10**6, seed=3,
                   name="bench-viewers")

VIEWERS = r"""
import json, select, socket, sys, time
path, n, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
socks = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b'{"id": 1, "cmd": "subscribe"}\n'
              b'{"id": 2, "cmd": "views", "request": {"boundary": [60, 40]}}\n')
    socks.append(s)
print("ready", flush=True)
updates, end = 0, time.monotonic() + seconds
while time.monotonic() < end:
    ready, _, _ = select.select(socks, [], [], 0.1)
    for s in ready:
        chunk = s.recv(1 << 20)
        updates += chunk.count(b'"type": "update"')
print(updates / n / seconds, flush=True)
"""


def rate(host: RunHost, seconds: float) -> tuple[float, float]:
    """The run's epochs per second over the next ``seconds``, and the CPU seconds per
    second this process (trainer, endpoint, everything) used meanwhile."""
    e0, t0, c0 = host.state.epoch, time.monotonic(), time.process_time()
    time.sleep(seconds)
    wall = time.monotonic() - t0
    return (host.state.epoch - e0) / wall, (time.process_time() - c0) / wall


def with_viewers(host: RunHost, sock: str, n: int, seconds: float) -> tuple:
    """(epochs/s, CPU s/s of this process, updates/s each viewer got) with ``n``
    viewers in another process."""
    if n == 0:
        return (*rate(host, seconds), 0.0)
    proc = subprocess.Popen([sys.executable, "-c", VIEWERS, sock, str(n), str(seconds + 2)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    measured = rate(host, seconds)
    per_viewer = float(proc.stdout.readline())
    proc.wait(30)
    proc.stdout.close()
    time.sleep(1.0)
    return (*measured, per_viewer)


def main(n: int = 50, seconds: float = 6.0) -> None:
    phases = (0, 1, n, 0)
    with tempfile.TemporaryDirectory() as tmp:
        host = RunHost(CONFIG, runs_root=tmp, notify=lambda _m: None).start()
        while host.endpoint is None or host.state.epoch < 1000:
            time.sleep(0.05)
        time.sleep(1.0)  # past the compile and the first chunks
        sock = str(host.session.recorder.dir / "control.sock")
        results = [with_viewers(host, sock, k, seconds) for k in phases]
        host.close()
        host.join(20)
    print(f"{CONFIG.hidden} on {CONFIG.data}, {seconds:g} s a phase:")
    for k, (eps, cpu, per_viewer) in zip(phases, results):
        each = f", each got {per_viewer:.1f} updates/s" if k else ""
        print(f"  {k:3d} viewers: {eps:9,.0f} epochs/s, the run's process {cpu:.2f} CPU s/s"
              f"{each}")
    base = (results[0][0] + results[-1][0]) / 2
    print(f"cost of {n} viewers against none: {100 * (1 - results[2][0] / base):.1f} %; "
          f"against one (the views it asks for are computed once for all): "
          f"{100 * (1 - results[2][0] / results[1][0]):.1f} %")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main(*(int(a) if i == 0 else float(a) for i, a in enumerate(sys.argv[1:3])))
