"""The dashboard in a browser (``bp-tui serve``): an aiohttp server that runs one bp-tui
process per browser tab and relays its screen over a websocket to xterm.js, with
textual-serve's page script and its packet protocol.

``server`` (the web app: token, page, websocket, shutdown), ``tab`` (one tab's process:
start, relay, hang-up, bounded waits), ``driver`` (the Textual driver inside a tab's
process, writing the protocol on a private descriptor) and ``__main__`` (the tab
process's entry: ``python -m tui.web ARGS``).
"""

__all__ = ["CHANNEL_ENV", "TRAINS_ON"]

CHANNEL_ENV = "BP_TUI_WEB_FD"
"""The environment variable naming a tab process's protocol descriptor."""
TRAINS_ON = "bp-tui-trains-on"
"""A tab driver's meta packet type: the UI is gone, the process trains its run on."""
