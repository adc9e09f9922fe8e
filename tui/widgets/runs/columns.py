"""The runs screen's columns: their order, short headings and compact cells.

The export (``core.records.compare.TABLE_COLUMNS``) keeps its long headings and full cells; the
screen shows the same values squeezed to fit 120 terminal columns, with the columns that
matter most for comparing runs first (they stay in view at 80 columns). Plain strings,
no Textual: the screen lays them out.
"""

from __future__ import annotations

import re

from core.files import cell_len, printable
from core.labels import RIGHT, SOFT_ACC
from core.records.compare import TABLE_COLUMNS, fmt_duration, table_cells
from core.records.index import RunRow

__all__ = [
    "NAME_MIN",
    "SCREEN_COLUMNS",
    "compact_date",
    "detail_line",
    "ellipsize",
    "fit_name",
    "fit_names",
    "pad",
    "screen_cells",
    "screen_status",
]

SCREEN_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("name", "name", False),
    ("data", "data", False),
    ("hidden", "hidden", False),
    ("lr", "lr", True),
    ("loss", "loss", True),
    ("acc", RIGHT, True),
    ("status", "status", False),
    ("soft_acc", SOFT_ACC, True),
    ("epochs", "epochs", True),
    ("activation", "act", False),
    ("optimizer", "opt", False),
    ("duration", "time", True),
    ("created", "date", False),
)
"""(RunRow attribute, heading, right-aligned) of each column, in screen order."""

NAME_MIN = 16
"""The name column's narrowest width; above it, it takes the room the other columns
leave, up to the longest name shown (no fixed cut)."""
HIDDEN_MAX = 11
"""Widest hidden-sizes cell ("512,256,128"); deeper networks end in "…"."""


def ellipsize(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells by an "…" in the middle, so that both
    the start and the end (where sweep runs differ) stay readable. Cells, not
    characters: a CJK character or an emoji takes two (the result may be a cell short
    when a wide character does not fit)."""
    if cell_len(text) <= width:
        return text
    if width < 2:
        return "…"[:width]
    tail_room = (width - 1) // 2
    head_room = width - 1 - tail_room
    head, used = [], 0
    for ch in text:
        used += cell_len(ch)
        if used > head_room:
            break
        head.append(ch)
    tail, used = [], 0
    for ch in reversed(text):
        used += cell_len(ch)
        if used > tail_room:
            break
        tail.append(ch)
    return "".join(head) + "…" + "".join(reversed(tail))


def pad(text: str, width: int, right: bool = False) -> str:
    """``text`` fitted to exactly ``width`` cells: cut by ``ellipsize``, then padded
    with spaces on the left (``right``-aligned) or the right."""
    text = ellipsize(text, width)
    room = " " * max(width - cell_len(text), 0)
    return room + text if right else text + room


_STAMP = re.compile(r"\d{8}-(\d{6}-)")


def fit_name(name: str, width: int) -> str:
    """A run's name in ``width`` characters. A name bp-tui made up
    ("20261201-101500-xor-grid") first drops its date (the date column shows it) and
    keeps its time of day; then the middle gives way, so that the start and the end —
    where sweep members and repeats differ — stay readable."""
    if cell_len(name) <= width:
        return name
    stamped = _STAMP.match(name)
    if stamped:
        name = stamped.group(1) + name[stamped.end():]
    return ellipsize(name, width)


def _common_prefix(names: list[str]) -> int:
    first, last = min(names), max(names)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return n


def fit_names(names: list[str], width: int) -> list[str]:
    """``fit_name`` of each name, except that names which would then read alike keep
    the part where they differ: "…1-xor-grid" ×3 becomes "…215301-xor-grid",
    "…215302-xor-grid"… (their common start gives way instead)."""
    fitted = [fit_name(n, width) for n in names]
    groups: dict[str, list[int]] = {}
    for i, text in enumerate(fitted):
        groups.setdefault(text, []).append(i)
    for idx in groups.values():
        full = list(dict.fromkeys(names[i] for i in idx))
        if len(full) < 2:
            continue
        start = _common_prefix(full)
        for i in idx:
            name = names[i]
            if len(name) - start + 1 <= width:  # the tail, from where they differ
                fitted[i] = "…" + name[len(name) - (width - 1):]
            else:
                fitted[i] = "…" + ellipsize(name[start:], width - 1)
    return fitted


def compact_date(created: str) -> str:
    """ "MM-DD HH:MM" of an ISO timestamp ("2020-04-04T10:00:00+08:00" → "04-04 10:00")."""
    return created[5:16].replace("T", " ")


def screen_cells(row: RunRow, name_width: int = 10**6) -> list[str]:
    """One run's cells in ``SCREEN_COLUMNS`` order (the name fitted to ``name_width``)."""
    full = dict(zip((attr for attr, _ in TABLE_COLUMNS), table_cells(row, short=True)))
    full["name"] = fit_name(full["name"], name_width)
    full["hidden"] = ellipsize(full["hidden"], HIDDEN_MAX)
    full["duration"] = fmt_duration(row.duration, compact=True)
    full["created"] = compact_date(row.created)
    full["status"] = screen_status(row)
    return [full[attr] for attr, _, _ in SCREEN_COLUMNS]


def screen_status(row: RunRow) -> str:
    """The status cell: "● live" for a running run whose process serves its control
    socket (enter attaches with full control), "running?" for one that says it runs but
    does not serve it (another machine's, or just starting or ending)."""
    if row.status == "running" and not row.damaged:
        return "● live" if row.attachable else "running?"
    return row.status


def detail_line(row: RunRow, label: str = "") -> str:
    """What the table leaves out of one run: the full name, the sweep and ``label`` (the
    settings that set it apart from its siblings there), the damage reason, the full
    date and time taken."""
    name = printable(row.name)
    if row.damaged:
        return f"✗ {name}: damaged: {row.damaged}"
    if row.status == "error" and row.message:
        return f"✗ {name}: error: {row.message}"
    parts = [name]
    if row.attachable:
        parts.append("live: enter attaches with full control")
    elif row.status == "running":
        parts.append("says running, but serves no control socket here: enter opens it read-only")
    if row.sweep:
        parts.append(f"sweep {printable(row.sweep, 60)}" + (f": {label}" if label else ""))
    if row.created:
        parts.append(f"created {row.created[:16].replace('T', ' ')}")
    if row.duration is not None:
        parts.append(f"took {fmt_duration(row.duration)}")
    return "  ·  ".join(parts)
