"""One point's back-propagation as a derived view: asked for by index, computed by the
run's analyst with the trainer's optimiser state, carried to attached viewers over the
socket, and from a finished run's checkpoint."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.analysis.backprop import backprop_point
from core.analysis.backprop_run import load_saved_run
from core.analysis.derived import Deriver, ViewRequest, Views
from core.config import RunConfig
from core.datasets import Dataset
from core.nn.losses import get_loss
from core.nn.network import Network
from core.nn.optimizers import make_optimizer
from core.run.host import RunHost
from core.run.links import FilesLink, HostLink, SocketLink
from core.run.session import Session
from tests.tui.helpers import wait_until

LIVE = RunConfig(data="linear", n=20, hidden=(4, 3), lr=0.05, epochs=10**7, log_every=10**6,
                 seed=3, optimizer="momentum", backend="numpy", name="bplive")


def test_request_round_trips_and_merges():
    r = ViewRequest(backprop=5)
    assert ViewRequest.from_json(json.loads(json.dumps(r.to_json()))) == r
    assert not r.empty
    assert ViewRequest(measures=True).merge(r).backprop == 5
    for junk in (-1, True, "3", 2**40, None):
        assert ViewRequest.from_json({"backprop": junk}).backprop is None


def test_deriver_computes_it_with_the_state_it_is_given():
    rng = np.random.default_rng(0)
    X = rng.random((10, 2))
    y = (X[:, 0] > X[:, 1]).astype(float).reshape(-1, 1)
    net = Network((3,), "tanh", "normal", np.random.default_rng(1))
    opt = make_optimizer("adam", 0.01)
    opt.bind(net.layout.size)
    opt.step(net.theta.copy(), net.gradient(X, y, get_loss("bce")))  # a state, t = 1
    d = Deriver(Dataset("d", X, y), "bce", "tanh", optimizer="adam")
    views = d.compute(net, 7, ViewRequest(backprop=4), 0.01, opt.state())
    want = backprop_point(net, X, y, 4, "bce", opt, epoch=7)
    assert views.backprop.to_json() == want.to_json()
    assert views.backprop.state_known
    assert views.backprop.layers[0].updates == want.layers[0].updates
    back = Views.from_json(json.loads(json.dumps(views.to_json(), allow_nan=False)))
    assert back.backprop.to_json() == want.to_json()
    outside = d.compute(net, 7, ViewRequest(backprop=10))
    assert outside.backprop is None
    assert "outside the training set" in outside.error
    net.theta[0] = np.nan
    assert "not finite" in d.compute(net, 7, ViewRequest(backprop=1)).error


@pytest.fixture
def live(tmp_path):
    host = RunHost(LIVE, runs_root=tmp_path / "runs", notify=lambda _m: None).start()
    assert wait_until(lambda: host.endpoint is not None and host.state.epoch > 0, 60)
    yield host
    host.close()
    host.join(20)


def _backprop(link, point=3, timeout=30.0):
    """The newest back-propagation view the link delivers for ``point``."""
    got = []

    def arrived():
        link.want(ViewRequest(backprop=point), "test")
        v = link.poll().views
        if v is not None and v.backprop is not None and v.backprop.point == point:
            got.append(v.backprop)
        return bool(got)

    assert wait_until(arrived, timeout, step=0.05)
    return got[-1]


@pytest.mark.long
def test_live_own_process_and_attached(live):
    """The analyst's copy of the optimiser state goes with the weights it belongs to:
    the step count equals epochs × points; an attached (and a read-only) viewer gets the
    same view through the socket."""
    bp = _backprop(HostLink(live))
    assert bp.state_known
    assert bp.optimizer == "momentum"
    assert bp.steps_before == bp.epoch * 20
    assert all(layer.check.ok for layer in bp.layers)
    run_dir = live.session.recorder.dir
    for read_only in (False, True):
        link = SocketLink(run_dir, read_only=read_only)
        try:
            remote = _backprop(link, point=5)
            assert remote.state_known
            assert remote.steps_before == remote.epoch * 20
            assert [lay.dW.shape for lay in remote.layers] == [(2, 4), (4, 3), (3, 1)]
        finally:
            link.close()


def test_finished_run_from_its_files(tmp_path):
    config = LIVE.with_changes(epochs=30, log_every=10, name="done")
    for _ in Session(config, runs_root=tmp_path, notify=lambda _m: None).iterate():
        pass
    link = FilesLink(tmp_path / "done")
    try:
        bp = _backprop(link, point=2)
    finally:
        link.close()
    want = load_saved_run(tmp_path / "done").backprop(2)
    assert bp.to_json() == want.to_json()
    assert bp.state_known
    assert bp.steps_before == 30 * 20
