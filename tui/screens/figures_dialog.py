"""The runs screen's figures dialog: a folder and the formats, checked before it closes.

The figures themselves are drawn by the runs screen in a thread worker
(``RunsActions.action_figures``), never on the UI thread.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from core.figures import parse_formats
from core.files import printable
from core.records.index import RunRow
from core.records.paths import RunsError
from tui.screens.dialogs import check_export_folder
from tui.widgets.fields import FieldInput

__all__ = ["FiguresRequest", "FiguresScreen"]


@dataclass(frozen=True)
class FiguresRequest:
    """What to draw: the runs' directories, the folder and the formats."""

    runs: tuple[Path, ...]
    folder: Path
    formats: tuple[str, ...]


class FiguresScreen(ModalScreen[FiguresRequest | None]):
    """Ask for a folder (not under the runs directory) and the formats; dismiss with a
    `FiguresRequest` once both are acceptable, None on escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="figures.cancel")]

    def __init__(self, rows: list[RunRow], runs_root: Path | None = None) -> None:
        super().__init__()
        self.rows = rows
        self.runs_root = runs_root

    def compose(self) -> ComposeResult:
        """What will be drawn, the folder box and the formats box."""
        what = (f"Figures of run {printable(self.rows[0].name, 60)} (loss, accuracies, "
                "ground truth beside prediction, ŷ field)" if len(self.rows) == 1 else
                f"The {len(self.rows)} marked runs compared (loss and accuracy histories, "
                "decision boundaries)")
        with Vertical(classes="dialog"):
            yield Static(f"{what} as SVG / PNG into this folder (not under the runs "
                         "directory):", markup=False)
            yield FieldInput(str(Path.cwd() / "bp-tui-figures"), id="figures-folder")
            yield Static("formats (svg,png):")
            yield FieldInput("svg,png", id="figures-formats")
            yield Static("enter: draw   escape: cancel", id="figures-error", markup=False)

    def _refuse(self, reason: str) -> None:
        self.query_one("#figures-error", Static).update(Text(f"✗ {printable(reason, 200)}"))

    @on(Input.Submitted)
    def _submit(self) -> None:
        folder = self.query_one("#figures-folder", Input).value.strip()
        try:
            formats = parse_formats(self.query_one("#figures-formats", Input).value)
        except ValueError as exc:
            self._refuse(str(exc))
            return
        if not folder:
            self._refuse("give a folder")
            return
        linked = [r.name for r in self.rows if os.path.islink(r.path)]
        if linked:
            self._refuse(f"{linked[0]} is a symbolic link, not a run directory")
            return
        path = Path(folder).expanduser()
        try:
            check_export_folder(self.rows, path, self.runs_root)
        except RunsError as exc:
            self._refuse(str(exc).replace("export somewhere", "write somewhere"))
            return
        self.dismiss(FiguresRequest(tuple(r.path for r in self.rows), path, formats))

    def action_cancel(self) -> None:
        """Close without drawing."""
        self.dismiss(None)
