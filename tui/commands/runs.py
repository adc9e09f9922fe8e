"""``bp-tui runs``: the dashboard opened straight onto the runs screen, or with
``--list`` / ``--list --json`` the runs table printed headless, for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from core.labels import RIGHT, SOFT_ACC
from tui.commands.common import EXIT_OK, Parser, add_runs_dir_flag, runs_root

__all__ = ["LIST_COLUMNS", "LIST_WIDTH", "list_json", "list_text", "run_runs"]

LIST_WIDTH = 100
"""The text table fits in 100 terminal columns."""
LIST_COLUMNS: tuple[tuple[str, str, int, bool], ...] = (
    ("name", "name", 22, False),
    ("data", "data", 8, False),
    ("hidden", "hidden", 11, False),
    ("lr", "lr", 7, True),
    ("epochs", "epochs", 11, True),
    ("loss", "loss", 8, True),
    ("soft_acc", SOFT_ACC, 8, True),
    ("acc", RIGHT, 7, True),
)
"""(key, heading, width, right-aligned); the status takes the rest of the line, and a
damaged run's "damaged: <reason>" everything after its name."""


def list_text(rows) -> list[str]:
    """The runs table as lines of at most ``LIST_WIDTH`` terminal cells, every column
    starting at the same cell whatever the names hold (wide CJK characters and emoji
    count two cells); names fitted so that they stay told apart (``fit_names``: a made-up
    name drops its date first, names alike keep the part that differs), reasons cut by an
    ellipsis in the middle, every cell ``printable``."""
    from core.records.compare import TABLE_COLUMNS, table_cells
    from tui.widgets.runs.columns import ellipsize, fit_names, pad

    name_w = LIST_COLUMNS[0][2]
    used = sum(w + 1 for *_, w, _ in LIST_COLUMNS)

    def line(cells: dict[str, str]) -> str:
        parts = [pad(cells[key], w, right) for key, _, w, right in LIST_COLUMNS]
        return (" ".join(parts) + " " + ellipsize(cells["status"], LIST_WIDTH - used)).rstrip()

    out = [line({"status": "status", **{k: h for k, h, _, _ in LIST_COLUMNS}})]
    names = fit_names([table_cells(r)[0] for r in rows], name_w)
    for row, name in zip(rows, names):
        cells = dict(zip((attr for attr, _ in TABLE_COLUMNS), table_cells(row)))
        cells["name"] = name
        if row.damaged:
            name = pad(cells["name"], name_w)
            out.append(f"{name} {ellipsize(cells['status'], LIST_WIDTH - name_w - 1)}")
        else:
            out.append(line(cells))
    return out


def _hidden(text: str) -> list[int] | None:
    parts = text.split(",") if text else []
    return [int(p) for p in parts] if parts and all(p.isdigit() for p in parts) else None


def list_json(rows) -> list[dict[str, Any]]:
    """The runs table as JSON-ready dicts (null for anything unknown)."""
    out = []
    for r in rows:
        out.append({
            "name": r.name, "path": str(r.path), "status": r.status, "damaged": r.damaged,
            "data": r.data or None, "hidden": _hidden(r.hidden),
            "activation": r.activation or None, "optimizer": r.optimizer or None,
            "lr": r.lr, "epoch": r.epoch, "epochs": r.epochs, "loss": r.loss,
            "soft_acc": r.soft_acc, "acc": r.acc, "duration": r.duration,
            "created": r.created or None, "sweep": r.sweep or None,
            "attachable": r.attachable,
        })
    return out


def run_runs(argv: Sequence[str]) -> int:
    """``bp-tui runs``: the runs screen, or the table on stdout with ``--list``."""
    p = Parser(prog="bp-tui runs", description="Browse, compare and manage recorded runs.")
    add_runs_dir_flag(p)
    p.add_argument("--list", action="store_true",
                   help="print the runs table (100 columns) instead of opening the UI")
    p.add_argument("--json", action="store_true",
                   help="with --list: a JSON array of runs, null for unknown values")
    args = p.parse_args(argv)
    if args.json and not args.list:
        p.error("argument --json: only with --list")
    if args.list:
        from core.records.index import list_runs

        rows = list_runs(runs_root(args))
        if args.json:
            print(json.dumps(list_json(rows), indent=1, ensure_ascii=True))
        else:
            print("\n".join(list_text(rows)))
            if not rows:
                from core.files import printable

                print(f"bp-tui: no runs under {printable(str(runs_root(args)))}",
                      file=sys.stderr)
        return EXIT_OK
    from tui.app import create_app
    from tui.commands.dashboard import run_app
    from tui.process import leave_if_signalled

    app = create_app(runs_dir=args.runs_dir, open_runs=True)
    leave_if_signalled()  # a Ctrl-C that an import swallowed
    return run_app(app)
