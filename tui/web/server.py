"""The web app of ``bp-tui serve``: the page, the websocket of each tab, the token, and
the end of every tab's process when the server ends.

Routes (all relative to where the page is served, so it works behind ``ssh -L`` on any
port and behind a proxy's prefix):

- ``GET /?token=T`` — the page (textual-serve's, with relative URLs); 403 without the
  token;
- ``GET /ws/T?width=W&height=H`` — the tab's websocket; 403 without the token or from a
  page of another origin, and then no process is started;
- ``GET /static/…`` — textual-serve's script, stylesheet and fonts (public files).

The token is compared in constant time (``hmac.compare_digest``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.download_manager import DownloadManager

from tui.web.tab import Tab, Waits

__all__ = ["TabServer"]

log = logging.getLogger("bp-tui.serve")

PAGE = (Path(__file__).parent / "page.html").read_bytes()
STATIC = Path(textual_serve.__file__).parent / "static"
REFUSED = ("403 Forbidden: this address needs the token that bp-tui serve printed "
           "(open the whole URL it printed, ?token=… included).\n")
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"}
MAX_CELLS = 1000  # a terminal size beyond this many columns or rows is refused


class TabServer:
    """Serves ``bp-tui ARGV`` to browser tabs: one process per tab, each ended with
    bounded waits when its tab closes or the server ends."""

    def __init__(self, argv: Sequence[str], token: str, log_dir: Path,
                 waits: Waits | None = None, max_tabs: int = 8) -> None:
        self.argv, self.token, self.log_dir = list(argv), token, log_dir
        self.max_tabs = max_tabs
        self.waits = waits or Waits()
        self.tabs: set[Tab] = set()
        self.trained_on: list[Tab] = []  # tabs closed while their run trains on
        self.closing = False
        self._numbers = itertools.count(1)
        self._downloads = DownloadManager()

    def make_app(self) -> web.Application:
        """The aiohttp application."""
        app = web.Application()
        app.add_routes([
            web.get("/", self.handle_page),
            web.get("/ws/{token}", self.handle_websocket),
            web.get("/favicon.ico", _no_icon),
            web.static("/static", STATIC),
        ])
        app.on_shutdown.append(self._on_shutdown)
        return app

    # ------------------------------------------------------------------ auth
    def authorised(self, given: str) -> bool:
        """True when ``given`` is the token (constant time, any text)."""
        return hmac.compare_digest(given.encode("utf-8", "surrogateescape"),
                                   self.token.encode("utf-8"))

    @staticmethod
    def same_origin(request: web.Request) -> bool:
        """A browser's websocket from a page of another site carries its Origin: refuse
        it (the token should stop it anyway). No Origin (a script) is fine."""
        origin = request.headers.get("Origin")
        if origin is None:
            return True
        return urlsplit(origin).netloc.lower() == request.host.lower()

    def _refuse(self, request: web.Request, what: str) -> web.Response:
        log.warning("refused %s from %s: %s", request.path_qs.split("?")[0],
                    request.remote, what)
        return web.Response(status=403, text=REFUSED, headers=HEADERS)

    # ------------------------------------------------------------------ routes
    async def handle_page(self, request: web.Request) -> web.Response:
        """The page, for a request carrying the token."""
        if not self.authorised(request.query.get("token", "")):
            return self._refuse(request, "no token or a wrong one")
        return web.Response(body=PAGE, content_type="text/html", charset="utf-8",
                            headers=HEADERS)

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        """A tab: check the token and origin, start its process, relay until either
        side ends, then hang the process up (bounded)."""
        if not self.authorised(request.match_info["token"]):
            return self._refuse(request, "no token or a wrong one")
        if not self.same_origin(request):
            return self._refuse(request, f"a page of another origin ({request.headers['Origin']})")
        if self.closing:
            return web.Response(status=503, text="bp-tui serve is stopping\n")
        ws = web.WebSocketResponse(heartbeat=15)
        await ws.prepare(request)
        if len(self.tabs) >= self.max_tabs:  # each tab is a process of its own
            log.warning("refused a tab: %d are open (--max-tabs)", len(self.tabs))
            await ws.send_bytes(f"bp-tui serve: {len(self.tabs)} tabs are open already "
                                "(--max-tabs); close one, then reload.\r\n".encode())
            await ws.close()
            return ws
        tab = self._new_tab(ws)
        self.tabs.add(tab)
        try:
            await tab.start(_cells(request.query.get("width"), 80),
                            _cells(request.query.get("height"), 24))
            await _relay(ws, tab)
        except Exception as exc:  # one line, never a traceback; the tab still ends
            log.warning("tab %d: %s: %s", tab.number, type(exc).__name__, exc)
        finally:
            if not self.closing:  # the server's own end terminates the tabs itself
                await tab.stop()
                self._forget(tab)
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.close()
        return ws

    def _new_tab(self, ws: web.WebSocketResponse) -> Tab:
        number = next(self._numbers)
        return Tab(self.argv, number=number, log_path=self.log_dir / f"tab-{number}.log",
                   send_bytes=_safe(ws.send_bytes), send_str=_safe(ws.send_str),
                   close=ws.close, download_manager=self._downloads, waits=self.waits)

    def _forget(self, tab: Tab) -> None:
        """A tab ended: keep its log only if its process wrote one."""
        self.tabs.discard(tab)
        if tab.trains_on is not None:
            self.trained_on.append(tab)
        elif tab.log_path.exists() and tab.log_path.stat().st_size == 0:
            tab.log_path.unlink()

    # ------------------------------------------------------------------ the end
    async def _on_shutdown(self, app: web.Application) -> None:
        await self.end_tabs()

    async def end_tabs(self) -> None:
        """Terminate every open tab's process at once (each bounded), close the sockets."""
        self.closing = True
        tabs = list(self.tabs)
        await asyncio.gather(*(tab.terminate() for tab in tabs), return_exceptions=True)
        for tab in tabs:
            self._forget(tab)
            with contextlib.suppress(Exception):
                await tab.remote_close()

    def kill_tabs(self) -> None:
        """A second Ctrl-C: kill every open tab's process group now."""
        for tab in list(self.tabs):
            if tab.alive and tab.trains_on is None:
                tab.kill("a second signal: leaving at once")

    def still_training(self) -> list[str]:
        """The runs that closed tabs left training, whose processes still run."""
        return [tab.trains_on or "" for tab in self.trained_on if tab.alive]


async def _relay(ws: web.WebSocketResponse, tab: Tab) -> None:
    """The browser's messages to the tab's process (textual-serve's envelopes:
    ``["stdin", text]``, ``["resize", {width, height}]``, ``["ping", x]``, ``["focus"]``,
    ``["blur"]``); a malformed message is ignored."""
    async for message in ws:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            envelope = json.loads(message.data)
            kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
        except (ValueError, TypeError, KeyError, IndexError):
            continue
        if kind == "stdin" and isinstance(data, str):
            await tab.send_bytes(data.encode("utf-8", "surrogateescape"))
        elif kind == "resize" and isinstance(data, dict):
            await tab.set_terminal_size(_cells(data.get("width"), 80),
                                        _cells(data.get("height"), 24))
        elif kind == "ping":
            await ws.send_json(["pong", data])
        elif kind == "blur":
            await tab.blur()
        elif kind == "focus":
            await tab.focus()


async def _no_icon(request: web.Request) -> web.Response:
    """Browsers ask for an icon: none (and no 404 in the console)."""
    return web.Response(status=204)


def _cells(value: object, default: int) -> int:
    """A terminal dimension from the browser: an integer from 1 to MAX_CELLS."""
    try:
        number = int(str(value))
    except ValueError:
        return default
    return number if 1 <= number <= MAX_CELLS else default


def _safe(send):
    """``send`` that drops what a closed socket can no longer take (the process's
    output is still read to its end, so it never blocks on a full pipe)."""

    async def safe_send(data) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await send(data)

    return safe_send
