"""The panels of a run: form, curves, ground truth / prediction, epoch log, status."""
