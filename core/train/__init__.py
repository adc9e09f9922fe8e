"""The maths of training: the trainer (chunks of epochs, one evaluation rule, immutable
reports), its thread-safe controls, the report's log format and the kernel warm-up; the
engines live in ``core.train.kernels``. A live run (session, host…) is ``core.run``;
sweeps are ``core.sweep``."""
