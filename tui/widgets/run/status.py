"""The status line: state, epoch n / N with a bar, epochs/s, elapsed and ETA, lr, the
run's name and a message — fields apart by " │ " at every width. When the terminal is
narrow the least important fields go first (the name, the word "epoch", the bar, …);
a message that still does not fit gets a second line (and a third) of its own, so a
compile clock or a diagnosis is read whole."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from core.state import RunState

__all__ = ["SEPARATOR", "STATE_STYLES", "RunStatus", "StatusLine", "clock"]

SEPARATOR = " │ "
STATE_STYLES = {
    RunState.READY: "bold",
    RunState.PREPARING: "bold",
    RunState.RUNNING: "bold green",
    RunState.PAUSED: "bold yellow",
    RunState.FINISHED: "bold blue",
    RunState.STOPPED: "bold magenta",
    RunState.DIVERGED: "bold red",
    RunState.ERROR: "bold red",
}
MESSAGE_LINES = 2
"""At most this many lines of its own for a message too long for the first."""


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

    state: RunState = RunState.READY
    epoch: int = 0
    epochs: int = 0
    rate: float = 0.0
    elapsed: float = 0.0
    lr: float = 0.0
    run_name: str = ""
    message: str = ""
    next_lr: float | None = None
    """After a run: the lr the next start will use, when the form's differs."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", RunState(self.state))  # "finished" reads as one

    def ticks_from(self, other: RunStatus) -> bool:
        """True when only the counters (epoch, rate, elapsed) differ from ``other``."""
        return replace(self, epoch=other.epoch, rate=other.rate,
                       elapsed=other.elapsed) == other

    @property
    def eta(self) -> float | None:
        live = self.state == RunState.RUNNING and self.rate > 0
        return (self.epochs - self.epoch) / self.rate if live else None


Segment = tuple[str, str]


class StatusLine(Widget):
    """The bottom of a run's screen: one line (a long message gets its own). Set
    ``status`` to redraw."""

    DEFAULT_CSS = ("StatusLine { height: auto; max-height: 3; padding: 0 1; "
                   "background: $panel; }")

    status: reactive[RunStatus] = reactive(RunStatus)
    _rows = 1

    def watch_status(self) -> None:
        """A new layout only when the number of lines changes (not at every tick)."""
        rows = self.render().plain.count("\n") + 1
        if rows != self._rows:
            self._rows = rows
            self.refresh(layout=True)

    def fields(self, width: int) -> list[tuple[str, list[Segment]]]:
        """The fields as (name, segments), most important first."""
        s = self.status
        frac = min(max(s.epoch / s.epochs, 0.0), 1.0) if s.epochs else 0.0
        bar = 16 if width >= 110 else 8
        full = round(frac * bar)
        rate = "bold" if s.rate else "dim"
        timing = clock(s.elapsed) + (f" ETA {clock(s.eta)}" if s.eta is not None else "")
        lr: list[Segment] = [("lr ", ""), (f"{s.lr:g}", "bold")]
        if s.next_lr is not None and s.next_lr != s.lr:
            lr.append((f" (next run {s.next_lr:g})", ""))
        return [
            ("state", [(f"● {s.state}", STATE_STYLES.get(s.state, "bold"))]),
            ("word", [("epoch ", "")]),
            ("count", [(f"{s.epoch:,}/{s.epochs:,}", "")]),
            ("bar", [(" ", ""), ("█" * full, "green"), ("░" * (bar - full), "dim")]),
            ("pct", [(f" {frac:.0%}", "")]),
            ("rate", [(f"{s.rate:,.0f} ep/s", rate)]
             + ([(" avg", "dim")] if s.state.ended or s.state == RunState.PAUSED else [])),
            ("time", [(timing, "")]),
            ("lr", lr),
            ("name", [(s.run_name, "italic")] if s.run_name else []),
        ]

    DROP = ("name", "word", "bar", "pct", "rate", "time")
    """Which fields give way, in this order, when the line is too narrow."""
    DROP_FOR_MESSAGE = 4
    """How many of DROP give way to keep a message on the first line; past them the
    message gets its own line (the rate and the times stay)."""

    def _line(self, fields: list[tuple[str, list[Segment]]], message: str) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        shown = [(name, segs) for name, segs in fields if segs]
        for i, (name, segs) in enumerate(shown):
            glue = "" if name in ("count", "bar", "pct") and i and \
                shown[i - 1][0] in ("word", "count", "bar") else SEPARATOR
            if i:
                text.append(glue, "dim" if glue else "")
            for chunk, style in segs:
                text.append(chunk, style)
        if message:
            text.append(SEPARATOR, "dim")
            text.append(message, self._message_style)
        return text

    @property
    def _message_style(self) -> str:
        return "bold red" if self.status.state in (RunState.DIVERGED, RunState.ERROR) else "italic"

    def _fit(self, width: int, message: str) -> Text | None:
        """The one line with the fields that fit beside ``message`` (None: no way)."""
        fields = self.fields(width)
        drops = self.DROP[:self.DROP_FOR_MESSAGE] if message else self.DROP
        for drop in (None, *drops):
            if drop is not None:
                fields = [(n, []) if n == drop else (n, s) for n, s in fields]
            line = self._line(fields, message)
            if line.cell_len <= width:
                return line
        return None

    def render(self) -> Text:
        width = max(self.content_size.width, 20)
        message = self.status.message
        line = self._fit(width, message)
        if line is not None:
            return line
        text = self._fit(width, "") or self._line(self.fields(width), "")
        text.truncate(width, overflow="ellipsis")
        words = Text(message, style=self._message_style)
        rest = words.wrap(self.app.console, width)[:MESSAGE_LINES] if self.is_mounted \
            else [words]
        cut = sum(len(r.plain) for r in rest) < len(message.rstrip())
        for i, part in enumerate(rest):
            part.rstrip()
            if cut and i == len(rest) - 1:
                part.truncate(width - 1)
                part.append("…", self._message_style)
            text.append("\n")
            text.append_text(part)
        return text
