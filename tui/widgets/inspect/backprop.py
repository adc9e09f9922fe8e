"""The back-propagation view: one training point's forward pass, backward pass, update and
gradient check, in the report's notation, with the point chosen on a picture.

- ``BackpropView``: a header (the point's index, editable, and its x, y, ŷ, loss), the
  picker and the lines of ``core.analysis.backprop_text`` — the same lines ``bp-tui
  backprop`` prints; the picture is a ``PointPicker`` (the chosen point marked ``◉``, a
  click picks one). Keys: ``←/→`` walk the points, ``g`` type an index, ``f`` wide
  vectors whole or summarised, ``s`` step-through (``n`` / ``N`` next / previous line: the
  current line and its numbers highlighted, forward → backward → update).

The widget computes nothing: the run's analyst computes the ``PointBackprop`` off the UI
thread (the inspect screen asks for the chosen point) and ``show`` hands it over; the
widget only lays out its lines.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from core.analysis.backprop import PointBackprop
from core.analysis.backprop_text import Line, backprop_lines, number
from tui.widgets.run.picker import PointPicker

__all__ = ["STEP_STAGES", "BackpropView"]

STEP_STAGES = ("forward", "backward", "update")
"""The stages step-through walks, in this order (the check is not a step of training)."""
_HEADINGS = {"forward": "Forward pass", "backward": "Backward pass — chain rule, in the "
             "order computed", "update": "Update by one training step on this point",
             "check": "Gradient check — (L(w + h) − L(w − h)) / 2h, h = 1e-5, float64"}


class BackpropView(Vertical, can_focus=True):
    """A point's back-propagation: header, picture, lines (see the module docstring)."""

    class Chosen(Message):
        """The user chose training point ``index`` (by key, index or click)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    BINDINGS: ClassVar = [
        Binding("left", "walk(-1)", "◀ Point", id="backprop.previous-point"),
        Binding("right", "walk(1)", "Point ▶", id="backprop.next-point"),
        Binding("g", "go_to", "Go to point", id="backprop.go-to"),
        Binding("f", "full", "Full vectors", id="backprop.full"),
        Binding("s", "step", "Step-through", id="backprop.step"),
        Binding("n", "step_by(1)", "Next line", id="backprop.next-line"),
        Binding("N", "step_by(-1)", "Previous line", show=False, id="backprop.previous-line"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "backprop-view--heading", "backprop-view--shape", "backprop-view--flag",
        "backprop-view--current", "backprop-view--ok", "backprop-view--bad"}
    DEFAULT_CSS = """
    BackpropView > .backprop-view--heading { color: $accent; text-style: bold; }
    BackpropView > .backprop-view--shape { color: $foreground-muted; }
    BackpropView > .backprop-view--flag { color: $warning; }
    BackpropView > .backprop-view--current { background: $primary 40%; text-style: bold; }
    BackpropView > .backprop-view--ok { color: $success; }
    BackpropView > .backprop-view--bad { color: $error; text-style: bold; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.point = 0
        self.n_points = 0
        self.full = False
        self.step: int | None = None
        """The step-through position (an index into ``steps``), None when off."""
        self.result: PointBackprop | None = None
        self.error = ""
        self._rows: list[int] = []  # the first text row of each line shown
        self._lines: tuple[object, bool, tuple[Line, ...]] = (None, False, ())

    def compose(self) -> ComposeResult:
        """The header row, then the picture beside the lines."""
        with Horizontal(id="bp-head"):
            yield Label("point ")
            yield Input("0", id="bp-point", type="integer", compact=True,
                        tooltip="the training point's index; enter to show it")
            yield Static("", id="bp-info", markup=False)
        with Horizontal(id="bp-body"):
            yield PointPicker(id="bp-picker")
            with ScrollableContainer(id="bp-scroll"):
                yield Static("", id="bp-lines", markup=False)

    # ------------------------------------------------------------ attributes down
    @property
    def picker(self) -> PointPicker:
        return self.query_one("#bp-picker", PointPicker)

    def set_points(self, X: np.ndarray | None, y: np.ndarray | None,
                   yhat: np.ndarray | None) -> None:
        """The training points (and ŷ at them, to mark the misclassified)."""
        if X is not None and self.picker._X is not None and len(X) == len(self.picker._X) \
                and np.array_equal(X, self.picker._X):
            self.picker.set_prediction(yhat)
            return
        self.picker.set_points(X, y)
        self.picker.set_prediction(yhat)
        self.n_points = 0 if X is None else len(X)
        self.select(min(self.point, max(self.n_points - 1, 0)), announce=False)

    def show(self, result: PointBackprop | None, error: str = "") -> None:
        """The analyst's newest result (it may be of another point until the chosen
        one's arrives) and any error."""
        self.result, self.error = result, error
        self._draw()

    @property
    def lines(self) -> tuple[Line, ...]:
        """The lines shown (none until the chosen point's result has arrived)."""
        r = self.result
        if r is None or r.point != self.point:
            return ()
        if self._lines[0] is not r or self._lines[1] != self.full:
            self._lines = (r, self.full, backprop_lines(r, self.full))
        return self._lines[2]

    @property
    def steps(self) -> list[int]:
        """Indices into ``lines`` that step-through walks, in order."""
        return [i for i, ln in enumerate(self.lines) if ln.stage in STEP_STAGES]

    # ------------------------------------------------------------ choosing a point
    def select(self, index: int, announce: bool = True) -> None:
        """Choose training point ``index`` (clamped to the set); post ``Chosen``."""
        if self.n_points:
            index = min(max(index, 0), self.n_points - 1)
        changed = index != self.point
        self.point = index
        self.picker.choose(index if self.n_points else None)
        field = self.query_one("#bp-point", Input)
        if field.value != str(index) and not field.has_focus:
            field.value = str(index)
        if changed:
            self.step = None
        self._draw()
        if announce:
            self.post_message(self.Chosen(index))

    def action_walk(self, delta: int) -> None:
        """The previous / next training point (wrapping around)."""
        if self.n_points:
            self.select((self.point + delta) % self.n_points)

    def action_go_to(self) -> None:
        """Type a point's index (the shown one selected, so typing replaces it; enter
        shows it, escape returns)."""
        field = self.query_one("#bp-point", Input)
        field.focus()
        field.select_all()

    @on(Input.Submitted, "#bp-point")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text.lstrip("-").isdigit() or not 0 <= int(text) < max(self.n_points, 1):
            self.notify(f"No point {text!r}: the training set has points 0 … "
                        f"{max(self.n_points - 1, 0)}.", severity="warning", markup=False)
            return
        self.focus()
        self.select(int(text))

    def on_key(self, event: events.Key) -> None:
        """Escape in the index field gives the keys back to the view."""
        if event.key == "escape" and self.query_one("#bp-point", Input).has_focus:
            event.stop()
            self.focus()

    @on(PointPicker.Picked)
    def _picked(self, event: PointPicker.Picked) -> None:
        event.stop()
        self.select(event.index)

    # ------------------------------------------------------------ modes
    def action_full(self) -> None:
        """Wide vectors and matrices whole ↔ their largest entries and summary."""
        self.full = not self.full
        self._draw()

    def action_step(self) -> None:
        """Step-through on (at the first line) / off."""
        self.step = None if self.step is not None or not self.steps else 0
        self._draw()

    def action_step_by(self, delta: int) -> None:
        """The next / previous line of the computation (starts step-through if off)."""
        steps = self.steps
        if not steps:
            return
        self.step = 0 if self.step is None else min(max(self.step + delta, 0), len(steps) - 1)
        self._draw()

    # ------------------------------------------------------------ drawing
    def on_resize(self, _event: events.Resize) -> None:
        """Rows of numbers fold to the new width."""
        self.call_after_refresh(self._draw)

    def _draw(self) -> None:
        if not self.is_mounted:
            return
        self.query_one("#bp-info", Static).update(self._info())
        text, self._rows = self._text()
        self.query_one("#bp-lines", Static).update(text)
        if self.step is not None and self.step < len(self.steps):
            row = self._rows[self.steps[self.step]]
            self.query_one("#bp-scroll", ScrollableContainer).scroll_to(
                y=max(row - 3, 0), animate=False)

    def _info(self) -> Text:
        r = self.result
        out = Text(f" of {self.n_points}" if self.n_points else " (no points yet)")
        if self.step is not None and self.steps:
            line = self.lines[self.steps[self.step]]
            out.append(f" · step {self.step + 1}/{len(self.steps)}: {line.stage}",
                       self.get_component_rich_style("backprop-view--heading"))
        if r is not None and r.point == self.point:
            out.append(f" · x ({number(r.x[0])}, {number(r.x[1])})  y {number(r.y)}  "
                       f"ŷ {number(r.yhat)}  L {number(r.loss)} · epoch {r.epoch}")
            if r.n_saturated:
                k = r.n_saturated
                out.append(f" · {k} unit{'s' if k > 1 else ''} saturated: gradients vanish "
                           "there (6 Diagnosis: the whole set)",
                           self.get_component_rich_style("backprop-view--flag"))
        return out

    def _value_width(self) -> int:
        """Cells a row of numbers may take beside its indent (the view's width less
        the indent and a scrollbar; wide before the first layout)."""
        width = self.query_one("#bp-scroll", ScrollableContainer).size.width
        return max(width - 9, 24) if width else 10**6

    def _text(self) -> tuple[Text, list[int]]:
        lines = self.lines
        if not lines:
            why = self.error or (f"computing point {self.point}…" if self.n_points
                                 else "no training points yet: start a run")
            return Text(why), []
        style = self.get_component_rich_style
        current = self.steps[self.step] if self.step is not None and self.step < len(
            self.steps) else None
        out, rows, stage, row = Text(no_wrap=True, overflow="ellipsis"), [], "", 0
        for i, line in enumerate(lines):
            if line.stage != stage:
                stage = line.stage
                if row:
                    out.append("\n")
                    row += 1
                out.append(_HEADINGS[stage] + "\n", style("backprop-view--heading"))
                row += 1
            rows.append(row)
            part = _line_text(line, style, i == current, self._value_width())
            out.append_text(part)
            out.append("\n")
            row += part.plain.count("\n") + 1
        out.rstrip()
        return out, rows


def _wrap(value: str, width: int) -> list[str]:
    """A row of numbers folded at its ", " to ``width`` cells (never inside a number)."""
    if len(value) <= width:
        return [value]
    out, row = [], ""
    for part in value.split(", "):
        piece = part if not row else ", " + part
        if row and len(row) + len(piece) + 1 > width:
            out.append(row + ",")
            row = " " + part
        else:
            row += piece
    return [*out, row]


def _whole_vectors(values: tuple[str, ...]) -> list[str]:
    """The printed rows with each bracketed vector joined into one string again, so
    that it folds at the view's width rather than at the text form's."""
    out: list[str] = []
    open_vector = False
    for v in values:
        if open_vector:
            out[-1] += " " + v.strip()
        else:
            out.append(v)
        open_vector = out[-1].startswith("[") and not out[-1].rstrip("ᵀ").endswith("]")
    return out


def _line_text(line: Line, style, current: bool, width: int = 10**6) -> Text:
    """``name = formula  shape`` then the numbers (indented, folded to ``width``), then
    a flag."""
    head = f"{line.name} = {line.formula}" if line.formula else line.name
    text = Text("▶ " if current else "  ")
    text.append(head, Style(bold=True))
    if line.shape:
        text.append(f"  {line.shape}", style("backprop-view--shape"))
    for value in _whole_vectors(line.values):
        mark = "bad" if "✗" in value else "ok" if "✓" in value else None
        for v in _wrap(value, width):
            text.append("\n      ")
            text.append(v, style(f"backprop-view--{mark}") if mark else Style())
    if line.flag:
        text.append(f"\n      ⚠ {line.flag}", style("backprop-view--flag"))
    if current:
        text.stylize(style("backprop-view--current"))
    return text
