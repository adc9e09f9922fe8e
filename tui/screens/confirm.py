"""A yes/no question as a modal screen: y = yes, n / escape = no, enter = the default."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

__all__ = ["ConfirmScreen"]


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
