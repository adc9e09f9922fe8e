"""Regenerate the README's figure examples (screenshots/figure-*.png) from real runs.

Trains two seeded runs (the report's linear and XOR problems) with ``bp-tui train`` into
a temporary runs directory and draws, with ``core.figures`` — the code behind ``bp-tui
figures`` — the XOR run's ground truth beside its prediction and the two runs' accuracy
histories. ``scripts/screenshots.py`` calls this after its screenshots.

    .venv/bin/python scripts/figures.py [--out screenshots]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RUNS = {  # name -> bp-tui train flags
    "xor": ["--data", "xor-grid", "--hidden", "64", "64", "--lr", "0.1", "--epochs", "2000",
            "--seed", "1"],
    "linear": ["--data", "linear", "--hidden", "64", "64", "--lr", "0.1", "--epochs",
               "2000", "--seed", "1"],
}


def make_figures(out: Path) -> list[Path]:
    """Train the runs, draw the two figures into ``out`` as PNG, return their paths."""
    from core.figures import comparison_figures, load_source, run_figures, save_figures

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bp-tui-figures-") as tmp:
        for name, flags in RUNS.items():
            subprocess.run([sys.executable, "-m", "tui.cli", "train", *flags, "--name", name,
                            "--runs-dir", tmp], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
        xor, linear = (load_source(Path(tmp) / n) for n in ("xor", "linear"))
        makers = {"figure-xor-prediction": run_figures(xor)["xor-prediction"],
                  "figure-linear-vs-xor-accuracy":
                      comparison_figures([linear, xor])["compare-accuracy"]}
        return save_figures(makers, out, ("png",), dpi=150)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "screenshots"))
    for path in make_figures(Path(ap.parse_args().out)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
