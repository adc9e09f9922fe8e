"""The report's log lines, exactly (SPEC.md, "The log, exactly").

    Epoch    0, loss: 15.3336, accuracy: 53.34%
    ***** Training finished *****
    Model Training time taken: 0.0 minutes 20.0 seconds
    SimpleNet Predicted Probabilities:
    [[9.9999999e-01]
     ...
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FINISHED",
    "PREDICTIONS_HEADER",
    "epoch_line",
    "final_lines",
    "prediction_lines",
    "time_line",
]

FINISHED = "***** Training finished *****"
PREDICTIONS_HEADER = "SimpleNet Predicted Probabilities:"


def epoch_line(epoch: int, loss: float, accuracy: float) -> str:
    """``Epoch {epoch:4d}, loss: {loss:.4f}, accuracy: {accuracy:.2f}%``."""
    return f"Epoch {epoch:4d}, loss: {loss:.4f}, accuracy: {accuracy:.2f}%"


def time_line(seconds: float) -> str:
    """``Model Training time taken: {m} minutes {s:.1f} seconds``, m = seconds // 60 as a
    float with one decimal, s = seconds % 60 (so 392.0 s → "6.0 minutes 32.0 seconds")."""
    return f"Model Training time taken: {seconds // 60:.1f} minutes {seconds % 60:.1f} seconds"


def final_lines(epoch: int, loss: float, accuracy: float, seconds: float) -> list[str]:
    """What follows the loop: the finished banner, the final epoch line, the time line."""
    return [FINISHED, epoch_line(epoch, loss, accuracy), time_line(seconds)]


def prediction_lines(yhat: np.ndarray) -> list[str]:
    """The header then NumPy's own print of the (n, 1) column of ŷ."""
    column = np.asarray(yhat, dtype=float).reshape(-1, 1)
    return [PREDICTIONS_HEADER, *str(column).splitlines()]
