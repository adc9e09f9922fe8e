"""The analyst computes only when something new arrives: a renewed, unchanged request is
not new (deterministic: the analyst's thread is not started)."""

import numpy as np

from core.analysis.derived import Deriver, ViewRequest
from core.datasets import generate
from core.nn.network import Network
from core.run.analyst import Analyst
from core.run.journal import Journal


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _analyst() -> tuple[Analyst, Clock]:
    clock = Clock()
    net = Network((3, 3), "sigmoid", "normal", np.random.default_rng(0))
    deriver = Deriver(generate("xor", None, 0.0, np.random.default_rng(1)), "mse", "sigmoid")
    return Analyst(deriver, Journal(), net, clock=clock), clock


def test_renewing_the_same_request_asks_for_nothing_new():
    analyst, clock = _analyst()
    request = ViewRequest(boundary=(40, 20))
    analyst.want("dashboard", request)
    assert analyst._fresh
    analyst._fresh, analyst._due = False, 105.0  # as after a computation
    for _ in range(10):  # the view's ticks renew its request
        clock.now += 0.5
        analyst.want("dashboard", request)
    assert not analyst._fresh
    assert analyst._due == 105.0
    analyst.want("dashboard", ViewRequest(boundary=(80, 40)))  # a new size is new
    assert analyst._fresh
    assert analyst._due == 0.0


def test_a_lapsed_request_is_dropped_from_the_merge():
    analyst, clock = _analyst()
    analyst.want("a", ViewRequest(boundary=(40, 20)))
    analyst.want("b", ViewRequest(measures=True))
    assert analyst.request() == ViewRequest(boundary=(40, 20), measures=True)
    clock.now += 6.0
    analyst.want("b", ViewRequest(measures=True))
    assert analyst.request() == ViewRequest(measures=True)
