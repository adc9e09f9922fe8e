"""The status line: state, epoch n / N with a bar, epochs/s, elapsed and ETA, lr, the
run's name and a message — always one line, the least important parts dropped first
when the terminal is narrow, the message cut with an ellipsis."""

from __future__ import annotations

from dataclasses import dataclass, replace

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

    def ticks_from(self, other: RunStatus) -> bool:
        """True when only the counters (epoch, rate, elapsed) differ from ``other``."""
        return replace(self, epoch=other.epoch, rate=other.rate,
                       elapsed=other.elapsed) == other

    @property
    def eta(self) -> float | None:
        live = self.state == "running" and self.rate > 0
        return (self.epochs - self.epoch) / self.rate if live else None


class StatusLine(Widget):
    """One line at the bottom of a run's screen. Set ``status`` to redraw."""

    DEFAULT_CSS = "StatusLine { height: 1; padding: 0 1; background: $panel; }"

    status: reactive[RunStatus] = reactive(RunStatus)

    def render(self) -> Text:
        s, width = self.status, max(self.content_size.width, 20)
        parts: list[tuple[str, str]] = [(f"● {s.state}", STATE_STYLES.get(s.state, "bold"))]
        frac = min(max(s.epoch / s.epochs, 0.0), 1.0) if s.epochs else 0.0
        # Below 100 columns the word "epoch" goes, below 90 the bar (the % stays): at 80
        # columns a long run's elapsed time, ETA and lr still fit on the one line.
        bar = 16 if width >= 110 else 8 if width >= 90 else 0
        full = round(frac * bar)
        word = "epoch " if width >= 100 else ""
        parts.append((f"  {word}{s.epoch:,}/{s.epochs:,} ", ""))
        parts += [("█" * full, "green"), ("░" * (bar - full), "dim"), (f" {frac:4.0%}", "")]
        parts.append((f"  {s.rate:,.0f} ep/s", "bold" if s.rate else "dim"))
        timing = f"  {clock(s.elapsed)}"
        if s.eta is not None:
            timing += f" ETA {clock(s.eta)}"
        parts += [(timing, ""), ("  lr ", ""), (f"{s.lr:g}", "bold")]
        text = Text(no_wrap=True, overflow="ellipsis")
        for chunk, style in parts:
            text.append(chunk, style)
        if s.run_name and width >= 100:
            name = s.run_name if len(s.run_name) <= 28 else s.run_name[:13] + "…" + \
                s.run_name[-14:]
            text.append(f"  {name}", "italic")
        if s.message:
            style = "bold red" if s.state in ("diverged", "error") else "italic"
            text.append(f"  {s.message}", style)
        text.truncate(width, overflow="ellipsis")
        return text
