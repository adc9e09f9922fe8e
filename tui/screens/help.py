"""The help screen: every key of the dashboard, with what it does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

__all__ = ["HELP_TEXT", "HelpScreen"]

HELP_TEXT = """\
# bp-tui keys

| key | action |
|---|---|
| `s` / `ctrl+s` | **start** a run with the form's settings (restart when one is going) |
| `p` / `space` | **pause** / resume |
| `n` | step **one epoch** while paused |
| `x` | **stop** the run (its records are kept) |
| `r` | **reset**: stop, draw new initial weights (seed + 1), clear the panels |
| `+` / `-` | learning rate ×2 / ÷2, applied live from the next epoch |
| `l` | loss curve on a log10 axis, on/off |
| `y` | print `SimpleNet Predicted Probabilities:` (ŷ of every training point) in the log |
| `f` | show / hide the hyperparameters form |
| `i` | **inspect** the network (keys below); `esc` back |
| `tab` / `shift+tab` | move between fields; `enter` in a field applies it |
| `?` / `f1` | this help |
| `ctrl+p` | command palette (every action, themes) |
| `q` / `ctrl+q` | quit (the run is stopped and its records flushed first) |
| `R` | **runs**: every recorded run (also `bp-tui runs`) |

## Inspect screen

| key | action |
|---|---|
| `1` … `7` | tabs: boundary, test set, predictions, confusion, activation, diagnosis, network |
| `m` | boundary discrete ↔ continuous |
| `d` | draw a fresh test set |
| `t` | predictions of train ↔ test |
| `o` / `O` | in the predictions table: sort by the next column / reverse |
| `escape` / `i` | back |

## Runs screen

| key | action |
|---|---|
| `enter` | open the run: curves, log, prediction (followed live while it runs) |
| `space` / `a` | mark the run under the cursor / mark all shown |
| `o` | overlay the marked runs' curves |
| `d` | diff the settings of the two marked runs |
| `e` | export the marked runs (metrics CSV, table CSV and Markdown) |
| `/` | filter by text; `escape` clears it |
| `s` / `S` | sort by the next column / reverse (or click a header) |
| `m` / `f2` | rename (refused while the run is going) |
| `delete` / `D` | delete the run (always asks) |
| `w` | sweeps: `ctrl+s` start, `ctrl+x` cancel, `ctrl+o` overlay |
| `escape` / `q` | back (also from a run view, an overlay and the sweep screen) |

In an overlay: `[` / `]` smoothing −/+ (TensorBoard's EMA, 0–0.99), `t` x axis by
epoch or wall time, `l` log loss, `r` reload, `e` export. In a run view: `l` log loss,
`f` follow the log.

While a run is going, `enter` in the *Learning rate* field applies the typed value
to the running network. Changing the data set, the hidden sizes or any other setting
asks whether to restart with the new settings.

Letter keys act when the cursor is not in a text field; `ctrl+s`, `ctrl+q`, `f1`
and `tab` work everywhere. Runs are recorded under `$BP_TUI_RUNS` (default
`~/.local/share/bp-tui/runs`).
"""


class HelpScreen(ModalScreen[None]):
    """Lists every key. Any of q, ?, f1, enter or escape closes it."""

    BINDINGS = [
        Binding("q,question_mark,f1,enter,escape", "dismiss", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP_TEXT)

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(None)
