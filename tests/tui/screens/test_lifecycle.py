"""No bp-tui process outlives its purpose: every screen on a real terminal (tmux, else a
pseudo-terminal) × a hangup, SIGTERM, and Ctrl-Z then `bg` then a hangup — a few rounds
each, since what failed was a race (Textual #6692: the UI's teardown blocked for ever on
a dead terminal). A screen with a run of its own trains on after a hangup and its
process ends within seconds of the run's end; everything else leaves within seconds."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import BP_TUI
from tests.tui.terminal import Terminal, state_of, wait_gone

pytestmark = pytest.mark.long

BOUND = 30.0  # seconds: measured 2–6 s with the machine's two cores loaded ×7
ROUNDS = range(3)
TRAIN = ["--data", "linear", "--hidden", "16", "16", "--lr", "0.01", "--start",
         "--epochs", "100000000"]
# screen: (arguments of bp-tui, steps to reach it: (key to press or None, text to wait
#          for or None)…, does it train a run of its own?)
SCREENS = {
    "dashboard": ([], [(None, "s Start")], False),
    "training": (TRAIN, [(None, "d Detach")], True),
    "inspect": (TRAIN, [(None, "d Detach"), ("i", "Inspect ·")], True),
    "runs": (["runs"], [(None, "o Overlay")], False),
    # two runs marked (space, down, space): more than 8 would ask first
    "overlay": (["runs"], [(None, "o Overlay"), (" ", None), ("Down", None), (" ", None),
                           ("o", "Smooth")], False),
    "attach": (["attach", "live"], [(None, "attached")], False),
}


@pytest.fixture(scope="module")
def root(tmp_path_factory, bp_tui_cmd_module):
    """A runs root with two finished runs and one live run (``live``) to attach to."""
    root = tmp_path_factory.mktemp("lifecycle") / "runs"
    for name in ("a", "b"):
        subprocess.run([*bp_tui_cmd_module, "train", "--data", "xor", "--hidden", "4",
                        "--epochs", "200", "--log-every", "200", "--name", name,
                        "--runs-dir", str(root)], check=True, capture_output=True,
                       timeout=120)
    live = subprocess.Popen([*bp_tui_cmd_module, "train", "--data", "linear", "--hidden",
                             "4", "--epochs", "100000000", "--log-every", "1000000",
                             "--name", "live", "--runs-dir", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (root / "live" / "control.sock").exists():
        assert time.monotonic() < deadline, "the live run never started"
        time.sleep(0.05)
    yield root
    live.terminate()
    live.wait(30)


@pytest.fixture(scope="module")
def bp_tui_cmd_module() -> list[str]:
    """``bp_tui_cmd`` for the module's fixtures."""
    return [BP_TUI] if os.path.exists(BP_TUI) else [sys.executable, "-m", "tui.cli"]


def _own_run(root: Path, pid: int, timeout: float = 60.0) -> Path:
    """The run directory the process ``pid`` trains, once it has rows."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for summary in root.glob("*/summary.json"):
            with contextlib.suppress(OSError, ValueError):
                metrics = summary.parent / "metrics.jsonl"
                if (json.loads(summary.read_text()).get("pid") == pid
                        and metrics.exists() and metrics.stat().st_size):
                    return summary.parent
        time.sleep(0.05)
    raise AssertionError("the dashboard never started training")


def _open(screen: str, root: Path, cmd: list[str], shell: bool = False):
    """The screen on a fresh terminal, ready; (terminal, its own run or None)."""
    args, steps, owns = SCREENS[screen]
    term = Terminal([*cmd, *args], {"BP_TUI_RUNS": str(root)}, shell=shell)
    try:
        run = _own_run(root, term.pid) if owns else None
        for key, shows in steps:
            if key is not None:
                term.send(key)
            if shows is not None:
                term.until(shows)
    except BaseException:
        term.close()
        raise
    return term, run


def _stop_from_a_viewer(run: Path) -> None:
    """`x` from an attached viewer: the run ends, and with it its process."""
    from core.run.links import SocketLink

    link = SocketLink(run)
    try:
        link.command("stop")
    finally:
        link.close()


def _left_after_its_run(term: Terminal, run: Path | None, what: str,
                        shell: bool = False) -> float:
    """After the UI has gone: a run of its own trains on until stopped from a viewer,
    then the process ends. The seconds from the end of its purpose to no process.

    Under a shell, bash ends a job it sees stopped as it exits (SIGTERM, then SIGCONT):
    the run is then stopped by that, cleanly, instead of by a viewer."""
    from core.run.links import LinkError

    if run is not None:
        time.sleep(1.0)
        alive = state_of(term.pid) not in ("", "Z")
        assert alive or shell, f"{what}: the run must outlive the UI"
        with contextlib.suppress(*((LinkError,) if shell else ())):
            _stop_from_a_viewer(run)
    took = wait_gone(term.session, BOUND)
    if run is not None:
        assert json.loads((run / "summary.json").read_text())["status"] == "stopped"
        assert not (run / "control.sock").exists()
    print(f"{what}: no process left {took:.2f} s after "
          f"{'the run stopped' if run else 'it began'}")
    return took


@pytest.mark.parametrize("round_", ROUNDS)
@pytest.mark.parametrize("screen", SCREENS)
def test_a_hangup_leaves_no_process(root, bp_tui_cmd_module, screen, round_):
    term, run = _open(screen, root, bp_tui_cmd_module)
    try:
        term.hang_up()
        _left_after_its_run(term, run, f"{screen} hangup")
    finally:
        term.close()


@pytest.mark.parametrize("round_", ROUNDS)
@pytest.mark.parametrize("screen", SCREENS)
def test_sigterm_ends_every_screen_with_143(root, bp_tui_cmd_module, screen, round_):
    term, run = _open(screen, root, bp_tui_cmd_module)
    try:
        os.kill(term.pid, signal.SIGTERM)
        took = wait_gone(term.session, BOUND)
        print(f"{screen} SIGTERM: no process left after {took:.2f} s")
        if term.tmux:
            deadline = time.monotonic() + BOUND
            while term.exit_status() is None and time.monotonic() < deadline:
                time.sleep(0.05)
        assert term.exit_status() == 143
        if run is not None:
            assert json.loads((run / "summary.json").read_text())["status"] == "stopped"
    finally:
        term.close()


@pytest.mark.parametrize("round_", ROUNDS)
@pytest.mark.parametrize("screen", SCREENS)
def test_ctrl_z_then_bg_then_a_hangup_leaves_no_process(root, bp_tui_cmd_module, screen,
                                                         round_):
    """Under a job-control shell: Ctrl-Z suspends (the shell says Stopped); `bg` continues
    it, and a full-screen program in the background stops again until `fg`; then the
    terminal goes."""
    term, run = _open(screen, root, bp_tui_cmd_module, shell=True)
    try:
        term.send("C-z")
        term.until("Stopped")
        term.send("bg", "Enter")
        term.until("&")
        deadline = time.monotonic() + BOUND
        while state_of(term.pid) != "T":
            assert time.monotonic() < deadline, "in the background it waits for fg"
            time.sleep(0.05)
        term.hang_up()
        _left_after_its_run(term, run, f"{screen} Ctrl-Z, bg, hangup", shell=True)
    finally:
        term.close()


def test_ctrl_z_then_fg_brings_the_dashboard_back_intact(root, bp_tui_cmd_module):
    """Ctrl-Z, then `fg`: the same dashboard, its run still training; neither the `g` of
    `fg` nor anything else typed at the shell reached the app."""
    term, run = _open("training", root, bp_tui_cmd_module, shell=True)
    try:
        term.send("C-z")
        term.until("Stopped")
        assert state_of(term.pid) == "T"
        term.send("fg", "Enter")
        term.until("d Detach")
        term.until("● running")
        from core.run.links import SocketLink

        link = SocketLink(run, read_only=True)
        try:
            assert link.journal.state.status.value == "running"
        finally:
            link.close()
        assert json.loads((run / "config.json").read_text())["data"] == "linear"
        os.kill(term.pid, signal.SIGTERM)
        deadline = time.monotonic() + BOUND
        while state_of(term.pid) not in ("", "Z"):
            assert time.monotonic() < deadline, "SIGTERM did not end it"
            time.sleep(0.05)
    finally:
        term.close()


def test_after_a_hangup_the_process_ends_with_its_run_finishing(root, bp_tui_cmd_module):
    """The UI goes, the run trains on to its last epoch, then its process ends."""
    args = [*TRAIN[:-1], "200000"]
    term = Terminal([*bp_tui_cmd_module, *args], {"BP_TUI_RUNS": str(root)})
    try:
        run = _own_run(root, term.pid)
        term.until("d Detach")
        term.hang_up()
        deadline = time.monotonic() + 300
        while json.loads((run / "summary.json").read_text())["status"] == "running":
            assert time.monotonic() < deadline, "the run never finished"
            assert state_of(term.pid) not in ("", "Z"), "the process left before its run"
            time.sleep(0.1)
        took = wait_gone(term.session, BOUND)
        print(f"finished after a hangup: no process left {took:.2f} s after the run ended")
    finally:
        term.close()
    summary = json.loads((run / "summary.json").read_text())
    assert (summary["status"], summary["epoch"]) == ("finished", 200000)
