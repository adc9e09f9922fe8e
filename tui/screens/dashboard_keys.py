"""The dashboard's keys: its bindings and, beside them, the one table that decides
whether each may act now.

A rule looks at a ``KeyContext`` (what the run and the cursor are) and answers True
(the key acts), False (not offered now: the footer hides it and the key passes on) or a
reason (not here: the key says why instead of doing nothing). The screen's
``check_action`` and ``on_key`` both ask ``key_verdict``; nothing else decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.binding import Binding

from core.state import RunState

__all__ = ["BINDINGS", "KEYS", "KEY_ACTIONS", "KeyContext", "key_verdict"]

BINDINGS = [
    Binding("s", "start", "Start", id="run.start"),
    Binding("ctrl+s", "start", "Start", show=False, priority=True, id="run.start-ctrl"),
    Binding("p,space", "pause", "Pause", id="run.pause"),
    Binding("p,space", "resume", "Resume", id="run.resume"),
    Binding("n", "step", "Step", id="run.step"),
    Binding("x", "stop", "Stop", id="run.stop"),
    Binding("r", "reset", "Reset", show=False, id="run.reset"),
    Binding("g", "new_data", "New data", show=False, id="run.new-data"),
    Binding("plus,equals_sign", "lr(2.0)", "lr×2", show=False, id="run.lr-up",
            tooltip="Double the learning rate (live from the next epoch)"),
    Binding("minus,underscore", "lr(0.5)", "lr÷2", show=False, id="run.lr-down",
            tooltip="Halve the learning rate (live from the next epoch)"),
    Binding("b", "picture", "Picture", show=False, id="view.picture",
            tooltip="Prediction panel: boundary → continuous ŷ → the report's scatter"),
    Binding("l", "toggle_log", "Log loss", show=False, id="view.log-loss"),
    Binding("m", "mean_loss", "Mean loss", show=False, id="view.mean-loss",
            tooltip="Loss per point (train and test compare) or the report's sum"),
    Binding("y", "predictions", "Predictions", show=False, id="view.predictions"),
    Binding("f", "toggle_form", "Form", show=False, id="view.form"),
    Binding("z", "zoom", "Zoom", show=False, id="view.zoom",
            tooltip="One panel alone at the terminal's full size, in turn; then all again"),
    Binding("i", "inspect", "Inspect", id="view.inspect"),
    Binding("d", "detach", "Detach", id="run.detach",
            tooltip="Leave the dashboard: your run trains on; a viewer closes, the run "
                    "left as it is"),
    # priority: handled as the key arrives, so the keys after it in a burst are
    # commands again (not typed into the field the cursor was in)
    Binding("escape", "leave_field", "Leave field", show=False, priority=True,
            id="view.leave-field"),
    Binding("enter", "submit_field", "Apply field", show=False, priority=True,
            id="view.submit-field"),
    Binding("question_mark,f1", "help", "Help", id="app.help"),
]


@dataclass(frozen=True)
class KeyContext:
    """What the rules look at: the shown run's ``status``; ``own``: this dashboard
    starts its runs (not a view of another process's run or of a run's files);
    ``typing``: the cursor is in a text field; ``field``: in any field; ``dropdown``:
    a choice list is open; ``form_over``: the form is open over the panels (compact
    layouts); ``closes_link``: the screen was opened from the runs screen."""

    status: RunState = RunState.READY
    own: bool = True
    read_only: bool = False
    running: bool = False
    owns_run: bool = False
    typing: bool = False
    field: bool = False
    dropdown: bool = False
    form_over: bool = False
    closes_link: bool = False


Verdict = bool | str
"""True: acts; False: not offered now; a string: not here, and why."""


def _own(k: KeyContext) -> Verdict:
    if k.own:
        return True
    why = "this is a read-only view" if k.read_only else "this run belongs to another process"
    return f"{why}: start runs from your own dashboard (q, then s)"


def _control(wanted: Callable[[KeyContext], bool]) -> Callable[[KeyContext], Verdict]:
    """A run control: acts when ``wanted``; on a read-only view it says why."""
    def rule(k: KeyContext) -> Verdict:
        if not wanted(k):
            return False
        return "this is a read-only view: it cannot change the run" if k.read_only else True
    return rule


def _detach(k: KeyContext) -> Verdict:
    if k.owns_run or not k.own:  # your run trains on; a viewer closes
        return True
    return "nothing to detach: no run of this dashboard is going (q quits)"


KEYS: dict[str, Callable[[KeyContext], Verdict]] = {
    "start": _own,
    "reset": _own,
    "new_data": _own,
    "pause": _control(lambda k: k.status in (RunState.RUNNING, RunState.PREPARING)),
    "resume": _control(lambda k: k.status == RunState.PAUSED),
    "step": _control(lambda k: k.status == RunState.PAUSED),
    "stop": _control(lambda k: k.running),
    "lr": _control(lambda k: k.own or k.running),  # an attached run that ended: no lr
    "detach": _detach,
    # an open dropdown closes on its own escape first
    "leave_field": lambda k: not k.dropdown and (k.field or k.form_over or k.closes_link),
    "submit_field": lambda k: k.typing,
}
"""Whether each action may act now; an action not listed always may."""

KEY_ACTIONS: dict[str, str] = {
    key.strip(): b.action.split("(")[0] for b in BINDINGS for key in b.key.split(",")
}
"""Each key's action (for saying why a refused key does nothing)."""


def key_verdict(action: str, context: KeyContext) -> Verdict:
    """Whether ``action`` may act in ``context`` (True), is not offered (False) or is
    refused with a reason (the string)."""
    rule = KEYS.get(action.split("(")[0])
    return True if rule is None else rule(context)
