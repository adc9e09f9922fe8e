"""The readable maths: activations, losses, optimisers, the network and its metrics, and
the training step the engines are held to (``reference``)."""

from core.nn.activations import ACTIVATIONS, Activation, get_activation, sigmoid
from core.nn.losses import LOSSES, Loss, get_loss
from core.nn.metrics import Metrics, evaluate, score
from core.nn.network import INITS, Network
from core.nn.optimizers import OPTIMIZERS, Optimizer, make_optimizer
from core.nn.reference import train_orders, train_step

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "LOSSES",
    "OPTIMIZERS",
    "Activation",
    "Loss",
    "Metrics",
    "Network",
    "Optimizer",
    "evaluate",
    "get_activation",
    "get_loss",
    "make_optimizer",
    "score",
    "sigmoid",
    "train_orders",
    "train_step",
]
