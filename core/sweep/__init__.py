"""Sweeps: a grid of settings, each cell trained as a normal recorded run, in parallel.

- ``spec``: the presets, the one parser of a sweep definition (CLI and screen), the grid.
- ``member``: one member in its worker; the stop file, heartbeat and parent-death watch.
- ``runner``: name reservation, submitting, following, cancelling, cleaning up.
- ``executors``: the local process pool and the Dask executor.
- ``summary``: the settings that tell members apart; per-cell medians, stuck runs apart.
"""

from core.sweep.executors import (
    ExecutorError,
    LocalPool,
    dask_executor,
    local_executor,
    start_resource_tracker,
)
from core.sweep.member import is_stuck, run_member
from core.sweep.runner import MemberState, SweepRunner, prepare, reserve_name
from core.sweep.spec import (
    GRID_FIELDS,
    MAX_MEMBERS,
    PRESETS,
    Preset,
    SweepError,
    SweepSpec,
    expand_grid,
    parse_spec,
    parse_workers,
    preset,
)
from core.sweep.summary import (
    MEMBER_COLUMNS,
    STUCK_NOTE,
    CellSummary,
    member_labels,
    member_row,
    member_status,
    summarise,
)

__all__ = [
    "GRID_FIELDS",
    "MAX_MEMBERS",
    "MEMBER_COLUMNS",
    "PRESETS",
    "STUCK_NOTE",
    "CellSummary",
    "ExecutorError",
    "LocalPool",
    "MemberState",
    "Preset",
    "SweepError",
    "SweepRunner",
    "SweepSpec",
    "dask_executor",
    "expand_grid",
    "is_stuck",
    "local_executor",
    "member_labels",
    "member_row",
    "member_status",
    "parse_spec",
    "parse_workers",
    "prepare",
    "preset",
    "reserve_name",
    "run_member",
    "start_resource_tracker",
    "summarise",
]
