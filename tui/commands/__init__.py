"""The ``bp-tui`` subcommands, one module each, sharing their flags (``common``).

Each module exposes ``run_<name>(argv) -> exit status``; ``tui.cli`` imports the one it
needs, so the headless commands never load Textual.
"""
