"""A run as one screen sees it: the ``RunController`` (Textual-free) owns the shown run's
state and carries the screen's commands to it through a link (``core.run.links``)."""
