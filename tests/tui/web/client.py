"""A browser tab without a browser: the websocket of ``bp-tui serve`` spoken from
Python, its screen kept by a terminal emulator (pyte), for tests."""

from __future__ import annotations

import asyncio
import json
import re
import time

import aiohttp
import pyte

__all__ = ["TabClient", "url_parts"]


def url_parts(url: str) -> tuple[str, str]:
    """(base, token) of the URL ``bp-tui serve`` printed."""
    match = re.fullmatch(r"(http://[^/]+/)\?token=(\S+)", url.strip())
    assert match, url
    return match.group(1), match.group(2)


class TabClient:
    """One tab: connect, type, read the screen, close."""

    def __init__(self, base: str, token: str, width: int = 120, height: int = 40) -> None:
        self.base, self.token, self.width, self.height = base, token, width, height
        self.screen = pyte.Screen(width, height)
        self.stream = pyte.ByteStream(self.screen)
        self.session: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.closed = asyncio.Event()
        self._reader: asyncio.Task | None = None

    async def connect(self) -> TabClient:
        self.session = aiohttp.ClientSession()
        url = self.base.replace("http", "ws", 1) + f"ws/{self.token}"
        self.ws = await self.session.ws_connect(
            url, params={"width": self.width, "height": self.height})
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.stream.feed(message.data)
        self.closed.set()

    def text(self) -> str:
        """The screen as lines of text."""
        return "\n".join(self.screen.display)

    async def wait_for(self, pattern: str, timeout: float = 60.0) -> re.Match:
        """Wait until ``pattern`` (a regex) shows on the screen."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.text())
            if found:
                return found
            if self.closed.is_set() or time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} never showed; screen:\n{self.text()}")
            await asyncio.sleep(0.1)

    async def type(self, keys: str) -> None:
        assert self.ws is not None
        await self.ws.send_str(json.dumps(["stdin", keys]))

    async def close(self) -> None:
        """Close the tab (as a browser closing it does)."""
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.wait_for(self._reader, 10)
        if self.session is not None:
            await self.session.close()
