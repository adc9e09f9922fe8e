"""Text fields that keep every key in order, however fast keys arrive.

Textual's ``Input`` inserts printable keys in its own ``_on_key`` but edits with the
others (backspace, delete, arrows, home, end…) through bindings, which run only after
the key has bubbled up to the app. When keys arrive in a burst — a paste, typing over
SSH, a busy process catching up — the two paths overtake each other: "End, 12 ×
Backspace, 777" could leave "1" or nothing, and "8,8" edited to "16,16" ended as
"8,816". ``FieldInput`` runs the editing actions in its own ``_on_key`` too, so every key
is applied in the order it came.
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.widgets import Input

__all__ = ["FieldInput"]


def _key_actions(bindings) -> dict[str, str]:
    out: dict[str, str] = {}
    for b in bindings:
        key, action = (b.key, b.action) if isinstance(b, Binding) else (b[0], b[1])
        for k in key.split(","):
            out[k.strip()] = action
    return out


class FieldInput(Input):
    """An ``Input`` whose editing keys act in order with the typed ones."""

    _ACTIONS = _key_actions(Input.BINDINGS)

    async def _on_key(self, event: events.Key) -> None:
        action = self._ACTIONS.get(event.key)
        if action is None:
            await super()._on_key(event)
            return
        event.stop()
        event.prevent_default()
        await self.run_action(action)
