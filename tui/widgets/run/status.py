"""The status line: state, epoch n / N with a bar, epochs/s, elapsed, ETA, lr, run name."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

__all__ = ["STATE_STYLES", "RunStatus", "StatusLine", "clock"]

STATE_STYLES = {
    "ready": "bold",
    "preparing": "bold",
    "running": "bold green",
    "paused": "bold yellow",
    "finished": "bold blue",
    "stopped": "bold magenta",
    "diverged": "bold red",
    "error": "bold red",
}


def clock(seconds: float | None) -> str:
    """H:MM:SS (or M:SS under an hour); "–" when unknown."""
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "–"
    s = round(seconds)
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass(frozen=True)
class RunStatus:
    """Everything the status line shows."""

    state: str = "ready"
    epoch: int = 0
    epochs: int = 0
    rate: float = 0.0
    elapsed: float = 0.0
    lr: float = 0.0
    run_name: str = ""
    message: str = ""


class StatusLine(Widget):
    """One or two lines at the bottom of the dashboard. Set ``status`` to redraw."""

    DEFAULT_CSS = """
    StatusLine { height: auto; min-height: 1; max-height: 2; padding: 0 1; background: $panel; }
    """

    status: reactive[RunStatus] = reactive(RunStatus)

    _lines = 0

    def watch_status(self) -> None:
        """Re-layout only when the text needs another number of lines: a layout pass
        re-flows and repaints the whole screen, the status changes every frame."""
        width = self.content_size.width
        lines = len(self.render().wrap(self.app.console, width)) if width > 0 else 0
        if lines != self._lines:
            self._lines = lines
            self.refresh(layout=True)

    def on_resize(self) -> None:
        self.watch_status()

    def render(self) -> Text:
        s = self.status
        text = Text(no_wrap=False, overflow="fold")
        text.append(f"● {s.state}", style=STATE_STYLES.get(s.state, "bold"))
        text.append("  ")
        frac = s.epoch / s.epochs if s.epochs else 0.0
        width = 16
        full = round(frac * width)
        text.append(f"epoch {s.epoch:,}/{s.epochs:,} ")
        text.append("█" * full, style="green")
        text.append("░" * (width - full), style="dim")
        text.append(f" {frac * 100:3.0f}%")
        # Narrow terminals: a second line for the rates and names, not a ragged wrap.
        text.append("\n" if self.size.width < 110 else "  ")
        eta = (s.epochs - s.epoch) / s.rate if s.rate > 0 and s.state == "running" else None
        text.append(f"{s.rate:,.0f} ep/s  ", style="bold" if s.rate else "dim")
        text.append(f"elapsed {clock(s.elapsed)}  ETA {clock(eta)}  ")
        text.append("lr ")
        text.append(f"{s.lr:g}", style="bold")
        if s.run_name:
            text.append(f"  run {s.run_name}", style="italic")
        if s.message:
            text.append(f"  {s.message}", style="bold red" if s.state in ("diverged", "error")
                        else "italic")
        return text
