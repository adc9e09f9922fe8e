"""bp-tui's engine: data sets, network, losses, optimisers, trainer and run records.

Pure NumPy + stdlib (plus an optional numba kernel); never imports textual, rich or plotext.
"""

__version__ = "0.1.0"
