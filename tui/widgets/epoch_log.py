"""The epoch log: Textual's ``Log`` that keeps following the tail unless scrolled up.

``Log`` decides whether to follow before its new size is laid out, so a batch of lines
written at once could leave it stuck at the top. This one remembers whether the view
was at the end and scrolls there once the new lines are laid out.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import Log

__all__ = ["EpochLog"]


class EpochLog(Log):
    """A log of report lines that follows the tail unless the user scrolled up."""

    def write_lines(self, lines: Iterable[str], scroll_end: bool | None = None) -> EpochLog:
        follow = scroll_end if scroll_end is not None else (
            self.auto_scroll and self.scroll_y >= self.max_scroll_y
        )
        super().write_lines(lines, scroll_end=False)
        if follow:
            self.call_after_refresh(self.scroll_end, animate=False, x_axis=False)
        return self
