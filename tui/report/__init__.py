"""The Markdown report of ``bp-tui reproduce`` (text charts by plotext, text maps)."""
