"""A live run: the session that trains and records it, the host that serves it to
viewers (journal, analyst, control endpoint), the links a screen reads it through (its
own process, another process's socket, or its files), and the wire format between them."""
