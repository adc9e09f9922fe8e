"""The plumbing between a training run and the screens: the hand-over of reports, the
bounded metrics history for plotting, and the inspector's derived state. No Textual."""
