"""``--preset NAME`` on ``bp-tui`` and ``bp-tui train``: the report's run's settings,
other flags winning, a bad name refused in one line with exit status 2."""

from __future__ import annotations

import pytest

from core.reproduce.presets import REPORT_PRESETS, report_config
from tui.commands.common import config_from_args
from tui.commands.dashboard import dashboard_parser
from tui.commands.train import train_parser


@pytest.mark.parametrize("make", [dashboard_parser, train_parser])
@pytest.mark.parametrize("name", list(REPORT_PRESETS))
def test_a_preset_gives_the_reports_run(make, name):
    parser = make()
    config = config_from_args(parser, parser.parse_args(["--preset", name]))
    assert config == report_config(name)


def test_flags_beside_a_preset_win_even_when_they_equal_the_defaults():
    parser = train_parser()
    args = parser.parse_args(["--preset", "stuck", "--epochs", "2000", "--lr", "0.001"])
    config = config_from_args(parser, args)
    assert (config.data, config.seed, config.hidden) == ("xor-grid", 52, (64, 64))
    assert (config.epochs, config.lr) == (2000, 0.001)  # 0.001 is the plain default


def test_no_preset_keeps_the_defaults():
    parser = train_parser()
    config = config_from_args(parser, parser.parse_args([]))
    assert (config.data, config.lr, config.seed) == ("linear", 0.001, 1)


def test_an_unknown_preset_is_refused_in_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        train_parser().parse_args(["--preset", "nope"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == ("bp-tui train: error: argument --preset: choose one of linear-run, "
                   "xor-run, hidden-units, learning-rates, stuck (got 'nope')")
