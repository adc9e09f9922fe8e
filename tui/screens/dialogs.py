"""Modal dialogs: a yes/no question, and the runs screen's rename, config diff and export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Static

from core.config import ConfigError, parse_field
from core.records.compare import load_series, metrics_csv, table_csv, table_markdown
from core.records.index import RunRow

__all__ = ["ConfirmScreen", "DiffScreen", "ExportScreen", "RenameScreen", "export_runs"]


class ConfirmScreen(ModalScreen[bool]):
    """Ask ``question``; dismisses with True for yes."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(
        self, question: str, yes: str = "Yes", no: str = "No", enter_means_yes: bool = True
    ) -> None:
        """``enter_means_yes=False`` for destructive questions: enter then keeps things."""
        super().__init__()
        self.question = question
        self.yes, self.no = yes, no
        self.enter_means_yes = enter_means_yes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes} [y]", id="yes",
                             variant="primary" if self.enter_means_yes else "error")
                yield Button(f"{self.no} [n]", id="no",
                             variant="default" if self.enter_means_yes else "primary")

    def on_mount(self) -> None:
        """Enter presses the focused button: the default answer."""
        self.query_one("#yes" if self.enter_means_yes else "#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class RenameScreen(ModalScreen[str | None]):
    """Ask for a new run name; dismisses with it (validated) or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="rename.cancel")]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.old = name

    def compose(self) -> ComposeResult:
        """Question, box, error line."""
        with Vertical(classes="dialog"):
            yield Static(f"Rename run {self.old} to:")
            yield Input(self.old, id="rename-input")
            yield Static("enter: rename   escape: cancel", id="rename-error")

    @on(Input.Submitted, "#rename-input")
    def _submit(self, event: Input.Submitted) -> None:
        try:
            name = parse_field("name", event.value)
        except ConfigError as exc:
            self.query_one("#rename-error", Static).update(f"✗ {exc.reason}")
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        """Close without renaming."""
        self.dismiss(None)


def _show(value: Any) -> str:
    return "—" if value is None else str(value)


class DiffScreen(ModalScreen[None]):
    """The settings that differ between two runs, side by side."""

    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="diff.close")]

    def __init__(self, a_name: str, a: dict, b_name: str, b: dict) -> None:
        super().__init__()
        self.a_name, self.b_name = a_name, b_name
        self.a, self.b = a, b

    def compose(self) -> ComposeResult:
        """A table of the differing settings."""
        from core.records.index import config_diff

        self.diff = config_diff(self.a, self.b)
        with Vertical(classes="dialog", id="diff-box"):
            yield Static(f"Settings that differ: {self.a_name} vs {self.b_name}")
            table = DataTable(id="diff-table", cursor_type="row")
            table.add_columns("setting", self.a_name, self.b_name)
            for key, va, vb in self.diff:
                table.add_row(key, _show(va), _show(vb))
            yield table
            yield Static("identical settings" if not self.diff else
                         f"{len(self.diff)} setting(s) differ   escape: close")

    def action_close(self) -> None:
        """Close."""
        self.dismiss(None)


def export_runs(rows: list[RunRow], folder: Path, smoothing: float) -> list[Path]:
    """Write metrics.csv, runs.csv and runs.md for ``rows`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    metrics_csv([load_series(r.path) for r in rows], folder / "metrics.csv", smoothing)
    table_csv(rows, folder / "runs.csv")
    (folder / "runs.md").write_text(table_markdown(rows), encoding="utf-8")
    return [folder / "metrics.csv", folder / "runs.csv", folder / "runs.md"]


class ExportScreen(ModalScreen[None]):
    """Ask for a folder, then write the runs' metrics and table into it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    def __init__(self, rows: list[RunRow], smoothing: float = 0.0) -> None:
        super().__init__()
        self.rows = rows
        self.smoothing = smoothing

    def compose(self) -> ComposeResult:
        """Folder box and smoothing box."""
        with Vertical(classes="dialog"):
            yield Static(f"Export {len(self.rows)} run(s): metrics.csv (raw and smoothed), "
                         "runs.csv and runs.md into the folder:")
            yield Input(str(Path.cwd() / "bp-tui-export"), id="export-folder")
            yield Static("smoothing (0–0.99):")
            yield Input(f"{self.smoothing:g}", id="export-smoothing")
            yield Static("enter: export   escape: cancel", id="export-error")

    @on(Input.Submitted)
    def _submit(self) -> None:
        folder = self.query_one("#export-folder", Input).value.strip()
        try:
            w = float(self.query_one("#export-smoothing", Input).value)
            if not 0 <= w <= 0.99:
                raise ValueError
        except ValueError:
            self.query_one("#export-error", Static).update("✗ smoothing: 0 to 0.99")
            return
        if not folder:
            self.query_one("#export-error", Static).update("✗ give a folder")
            return
        try:
            written = export_runs(self.rows, Path(folder).expanduser(), w)
        except OSError as exc:
            self.query_one("#export-error", Static).update(f"✗ {exc}")
            return
        self.notify("Wrote " + ", ".join(p.name for p in written) + f" in {folder}")
        self.dismiss(None)

    def action_cancel(self) -> None:
        """Close without exporting."""
        self.dismiss(None)
