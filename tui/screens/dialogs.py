"""Modal dialogs: a yes/no question, and the runs screen's rename, config diff and export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Static

from core.config import ConfigError, parse_field
from core.files import printable
from core.records import default_runs_root
from core.records.compare import load_comparison, metrics_csv, table_csv, table_markdown
from core.records.index import RunRow, config_diff
from core.records.paths import RunsError, check_export_target
from tui.widgets.fields import FieldInput

__all__ = ["ChoiceScreen", "ConfirmScreen", "DiffScreen", "ExportScreen", "RenameScreen",
           "check_export_folder", "export_runs"]


KEY_NAMES = {"escape": "esc", "enter": "enter"}
"""How a dialog's answer keys are written on its buttons."""
PASS_THROUGH = frozenset({"tab", "shift+tab", "left", "right", "enter", "escape"})
"""Keys a dialog leaves to its buttons (move between them, press the focused one) or to
its escape binding."""


class ChoiceScreen(ModalScreen[str | None]):
    """Ask ``question`` with buttons ``choices`` — (answer, label, key) — and dismiss
    with the answer chosen (escape: None, unless a choice has the key "escape"). Enter
    presses the focused button, at first the ``default``. Any other key is not an answer
    and is not swallowed silently: the dialog says to answer it first. Every text is
    shown as text (a run name never parses as markup)."""

    BINDINGS = [Binding("escape", "choose_escape", "Cancel", id="choice.cancel")]

    def __init__(self, question: str, choices: list[tuple[str, str, str]],
                 default: str | None = None, destructive: str | None = None) -> None:
        super().__init__()
        self.question, self.choices = question, choices
        self.default = default if default is not None else choices[0][0]
        self.destructive = destructive

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-question", markup=False)
            with Horizontal(id="confirm-buttons"):
                for answer, label, key in self.choices:
                    variant = "error" if answer == self.destructive else (
                        "primary" if answer == self.default else "default")
                    yield Button(Text(f"{label} [{KEY_NAMES.get(key, key)}]"),
                                 id=f"choice-{answer}", variant=variant)
            yield Static("", id="confirm-hint", markup=False)

    def on_mount(self) -> None:
        """Enter presses the focused button: the default answer."""
        self.query_one(f"#choice-{self.default}", Button).focus()

    @property
    def hint(self) -> str:
        """What the dialog says to a key that is not one of its answers."""
        keys = [KEY_NAMES.get(key, key) for _answer, _label, key in self.choices]
        listed = ", ".join(keys[:-1]) + f" or {keys[-1]}" if len(keys) > 1 else keys[0]
        return f"Answer the question first ({listed})."

    def on_key(self, event) -> None:
        for answer, _label, key in self.choices:
            if event.key == key:
                event.stop()
                self.dismiss(answer)
                return
        if event.key not in PASS_THROUGH:
            event.stop()
            self.query_one("#confirm-hint", Static).update(Text(self.hint, style="bold"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "")[len("choice-"):])

    def action_choose_escape(self) -> None:
        """Close with the answer whose key is escape (else None: cancelled)."""
        self.dismiss(next((a for a, _l, k in self.choices if k == "escape"), None))


class ConfirmScreen(ChoiceScreen):
    """A yes/no question: y = yes, escape = no, enter = the default (dismisses with True
    for yes). No letter answers "no": on the dashboard every letter is a command, and a
    burst of them must not answer a question the user has not read."""

    def __init__(
        self, question: str, yes: str = "Yes", no: str = "No", enter_means_yes: bool = True
    ) -> None:
        """``enter_means_yes=False`` for destructive questions: enter then keeps things."""
        super().__init__(question, [("yes", yes, "y"), ("no", no, "escape")],
                         default="yes" if enter_means_yes else "no",
                         destructive=None if enter_means_yes else "yes")

    def dismiss(self, result=None):  # type: ignore[override]
        return super().dismiss(result == "yes")


class RenameScreen(ModalScreen[str | None]):
    """Ask for a new run name; dismisses with it (validated) or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="rename.cancel")]

    def __init__(self, name: str, taken=lambda _name: False) -> None:
        """``taken(name)``: True when another run already has that name."""
        super().__init__()
        self.old, self.taken = name, taken

    def compose(self) -> ComposeResult:
        """Question, box, error line."""
        with Vertical(classes="dialog"):
            yield Static(f"Rename run {printable(self.old, 80)} to:", markup=False)
            yield FieldInput(self.old, id="rename-input")
            yield Static("enter: rename   escape: cancel", id="rename-error", markup=False)

    @on(Input.Submitted, "#rename-input")
    def _submit(self, event: Input.Submitted) -> None:
        try:
            name = parse_field("name", event.value)
        except ConfigError as exc:
            self.query_one("#rename-error", Static).update(Text(f"✗ {exc.reason}"))
            return
        if not name:
            self.query_one("#rename-error", Static).update(
                Text("✗ the name is empty: type a name for the run"))
            return
        if name != self.old and self.taken(name):
            self.query_one("#rename-error", Static).update(
                Text(f"✗ a run named {name} already exists: choose another name"))
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        """Close without renaming."""
        self.dismiss(None)


def _show(value: Any) -> Text:
    """A setting as the form writes it (64,64 rather than [64, 64]), as plain text
    (never markup), cut to fit a cell."""
    if value is None:
        return Text("—")
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    return Text(printable(value, 60))


class DiffScreen(ModalScreen[None]):
    """The settings that differ between two runs, side by side."""

    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="diff.close")]

    def __init__(self, a_name: str, a: dict, b_name: str, b: dict) -> None:
        super().__init__()
        self.a_name, self.b_name = a_name, b_name
        self.a, self.b = a, b

    def compose(self) -> ComposeResult:
        """A table of the differing settings."""
        self.diff = config_diff(self.a, self.b)
        with Vertical(classes="dialog", id="diff-box"):
            a, b = printable(self.a_name, 40), printable(self.b_name, 40)
            yield Static(f"Settings that differ: {a} vs {b}", markup=False)
            table = DataTable(id="diff-table", cursor_type="row")
            table.add_columns(Text("setting"), Text(a), Text(b))
            for key, va, vb in self.diff:
                table.add_row(_show(key), _show(va), _show(vb))
            yield table
            yield Static("identical settings" if not self.diff else
                         f"{len(self.diff)} setting(s) differ   escape: close")

    def action_close(self) -> None:
        """Close."""
        self.dismiss(None)


def check_export_folder(rows: list[RunRow], folder: Path,
                        runs_root: Path | None = None) -> None:
    """RunsError if ``folder`` is under the runs root (``runs_root`` and every run's
    parent) or inside a run directory: nothing may be written there."""
    roots = {Path(runs_root) if runs_root is not None else default_runs_root()}
    roots |= {r.path.parent for r in rows}
    for root in roots:
        check_export_target(folder, root, [r.path for r in rows])


def export_runs(rows: list[RunRow], folder: Path, smoothing: float,
                runs_root: Path | None = None) -> list[Path]:
    """Write metrics.csv, runs.csv and runs.md for ``rows`` into ``folder``.

    RunsError (nothing written) if ``folder`` is under the runs root (``runs_root`` and
    every exported run's parent) or inside a run directory.
    """
    check_export_folder(rows, folder, runs_root)
    folder.mkdir(parents=True, exist_ok=True)
    metrics_csv(load_comparison([r.path for r in rows]), folder / "metrics.csv", smoothing)
    table_csv(rows, folder / "runs.csv")
    (folder / "runs.md").write_text(table_markdown(rows), encoding="utf-8")
    return [folder / "metrics.csv", folder / "runs.csv", folder / "runs.md"]


class ExportScreen(ModalScreen[None]):
    """Ask for a folder, then write the runs' metrics and table into it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    def __init__(self, rows: list[RunRow], smoothing: float = 0.0,
                 runs_root: Path | None = None) -> None:
        super().__init__()
        self.rows = rows
        self.smoothing = smoothing
        self.runs_root = runs_root

    def compose(self) -> ComposeResult:
        """Folder box and smoothing box."""
        with Vertical(classes="dialog"):
            yield Static(f"Export {len(self.rows)} run(s): metrics.csv (raw and smoothed), "
                         "runs.csv and runs.md into the folder (not under the runs "
                         "directory):", markup=False)
            yield FieldInput(str(Path.cwd() / "bp-tui-export"), id="export-folder")
            yield Static("smoothing (0–0.99):")
            yield FieldInput(f"{self.smoothing:g}", id="export-smoothing")
            yield Static("enter: export   escape: cancel", id="export-error", markup=False)

    @on(Input.Submitted)
    def _submit(self) -> None:
        folder = self.query_one("#export-folder", Input).value.strip()
        try:
            w = float(self.query_one("#export-smoothing", Input).value)
            if not 0 <= w <= 0.99:
                raise ValueError
        except ValueError:
            self.query_one("#export-error", Static).update(Text("✗ smoothing: 0 to 0.99"))
            return
        if not folder:
            self.query_one("#export-error", Static).update(Text("✗ give a folder"))
            return
        try:
            written = export_runs(self.rows, Path(folder).expanduser(), w, self.runs_root)
        except (OSError, RunsError) as exc:
            self.query_one("#export-error", Static).update(Text(f"✗ {printable(exc, 200)}"))
            return
        self.notify("Wrote " + ", ".join(p.name for p in written) +
                    f" in {printable(folder, 120)}", markup=False)
        self.dismiss(None)

    def action_cancel(self) -> None:
        """Close without exporting."""
        self.dismiss(None)
