"""Training: controls, the trainer, one run end to end (session), sweeps, the report's
log format; the per-point kernels live in ``core.train.kernels``."""
