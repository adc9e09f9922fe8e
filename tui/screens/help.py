"""The help screen: every key of every screen, generated from their bindings.

Nothing here restates a key by hand: each row is a screen's ``Binding`` with its keys as
Textual displays them and its tooltip (or its action's docstring), so help, footer and
command palette cannot drift apart.
"""

from __future__ import annotations

import inspect
from dataclasses import replace

from textual.actions import parse as parse_action
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

__all__ = ["HelpScreen", "binding_rows", "help_markdown"]


def _describe(owner: type, binding: Binding) -> str:
    """The binding's tooltip, else the first line of its action's docstring with the
    binding's arguments put in for the parameters it names (``factor`` → 2.0)."""
    if binding.tooltip:
        return binding.tooltip
    _, name, args = parse_action(binding.action)
    method = getattr(owner, f"action_{name}", None)
    doc = (method.__doc__ or "").strip().splitlines() if method else []
    if not doc:
        return binding.description
    line = doc[0]
    try:
        params = list(inspect.signature(method).parameters)[1:]
    except (TypeError, ValueError):
        params = []
    for param, value in zip(params, args):
        line = line.replace(f"``{param}``", f"{value:g}" if isinstance(value, float)
                            else str(value))
    return line


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def binding_rows(app: App, owner: type) -> list[tuple[str, str]]:
    """(keys as displayed, what they do) for every binding of the class ``owner``."""
    rows = []
    for b in owner.BINDINGS:
        if not isinstance(b, Binding):
            continue
        keys = " / ".join(app.get_key_display(replace(b, key=k.strip()))
                          for k in b.key.split(","))
        rows.append((keys, _describe(owner, b)))
    return rows


def help_markdown(app: App, sections: list[tuple[str, type]], notes: str = "") -> str:
    """Markdown tables of ``sections`` (title, screen class), then ``notes``."""
    out = ["# bp-tui keys", ""]
    for title, owner in sections:
        out += [f"## {title}", "", "| key | action |", "|---|---|"]
        out += [f"| `{_md(k)}` | {_md(d)} |" for k, d in binding_rows(app, owner)]
        out.append("")
    if notes:
        out.append(notes)
    return "\n".join(out)


class HelpScreen(ModalScreen[None]):
    """Every key of ``sections`` (the current screen first). q, ?, f1, enter or escape
    closes it."""

    BINDINGS = [
        Binding("q,question_mark,f1,enter,escape", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, sections: list[tuple[str, type]], notes: str = "") -> None:
        super().__init__()
        self.sections, self.notes = sections, notes

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(help_markdown(self.app, self.sections, self.notes))

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        """Close the help."""
        self.dismiss(None)
