"""``bp-tui serve [--host H] [--port P] [--token T] [--max-tabs N] [-- bp-tui args]``:
the dashboard (or ``attach NAME``, ``watch NAME``, ``runs``) in browser tabs, one process
per tab.

It prints one URL carrying a random token (``--token`` or ``$BP_TUI_TOKEN`` fixes it);
the page and the websocket refuse anything without it. It listens on loopback unless
``--host`` says otherwise (then a one-line warning). Ctrl-C, SIGTERM or SIGHUP end the
server and every open tab's process (their runs stopped, records flushed; a kill after a
bounded wait, or at once on a second signal); runs that closed tabs left training go on
and are named.

Exit status: 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP; 2 for a bad flag, a bad token, a
port in use or an address that cannot be used (one line).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import re
import secrets
import signal
import socket
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tui.commands.common import Parser

__all__ = ["run_serve", "serve_parser"]

TOKEN_ENV = "BP_TUI_TOKEN"
TOKEN_RE = re.compile(r"[A-Za-z0-9._~-]{16,256}")
SERVABLE = ("attach", "watch", "runs")  # besides the dashboard itself (flags only)


def serve_parser() -> Parser:
    """The flags of ``bp-tui serve``."""
    p = Parser(prog="bp-tui serve", description=(
        "Serve the dashboard to web browsers: one bp-tui process per tab. Open the URL "
        "it prints (through `ssh -L 9000:localhost:8000 HOST` from your laptop: "
        "http://localhost:9000/?token=…)."),
        epilog="after --: what each tab runs: the dashboard's flags (-- --data xor "
               "--start), or attach [RUN], watch [RUN], runs.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (127.0.0.1: only this machine; anything "
                        "else is reachable from the network — a warning says so)")
    p.add_argument("--port", type=int, default=8000, help="port (8000; 0: any free one)")
    p.add_argument("--max-tabs", type=int, default=8,
                   help="tabs open at once, each a process of its own (8)")
    p.add_argument("--token", default=None,
                   help=f"the access token (default: ${TOKEN_ENV}, else a random one): "
                        "16 to 256 of A-Z a-z 0-9 . _ ~ -. On a shared machine prefer "
                        f"${TOKEN_ENV}: other users can read a command line (ps)")
    return p


def run_serve(argv: Sequence[str]) -> int:
    """``bp-tui serve``."""
    argv = list(argv)
    split = argv.index("--") if "--" in argv else len(argv)
    own, tab_args = argv[:split], argv[split + 1:]
    p = serve_parser()
    args = p.parse_args(own)
    _check_tab_args(p, tab_args)
    token = _token(p, args.token)
    if not 0 <= args.port <= 65535:
        p.error("argument --port: must be from 0 to 65535")
    if not 1 <= args.max_tabs <= 1000:
        p.error("argument --max-tabs: must be from 1 to 1000")
    from tui.process import leave_if_signalled

    leave_if_signalled()
    return asyncio.run(_serve(p, args, token, tab_args))


def _check_tab_args(p: Parser, tab_args: list[str]) -> None:
    """Refuse at once what a tab could not run (every tab would fail)."""
    if tab_args and not tab_args[0].startswith("-"):
        if tab_args[0] not in SERVABLE:
            p.error(f"after --: {tab_args[0]!r} is not a screen; serve the dashboard's "
                    f"flags or one of {', '.join(SERVABLE)}")
        if tab_args[0] == "runs" and {"--list", "--json"} & set(tab_args):
            p.error("after --: runs --list / --json print text, not a screen")
        return
    if {"-h", "--help", "--version"} & set(tab_args):
        p.error("after --: --help and --version are not screens")
    from tui.commands.common import config_from_args
    from tui.commands.dashboard import dashboard_parser

    parser = dashboard_parser()
    parser.prog = "bp-tui serve -- (the dashboard's flags)"
    config_from_args(parser, parser.parse_args(tab_args))


def _token(p: Parser, given: str | None) -> str:
    token = given if given is not None else os.environ.get(TOKEN_ENV)
    if token is None:
        return secrets.token_urlsafe(24)
    source = "--token" if given is not None else f"${TOKEN_ENV}"
    if not TOKEN_RE.fullmatch(token):
        p.error(f"{source}: a token is 16 to 256 of A-Z a-z 0-9 . _ ~ - "
                f"(got {len(token)} characters)")
    return token


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


async def _serve(p: Parser, args, token: str, tab_args: list[str]) -> int:
    """Listen, print the URL, wait for a signal, end every tab, return the status."""
    from aiohttp import web

    from tui.web.server import TabServer

    _logging()
    host, port = args.host, args.port
    log_dir = Path(tempfile.mkdtemp(prefix="bp-tui-serve-"))
    server = TabServer(tab_args, token, log_dir, max_tabs=args.max_tabs)
    runner = web.AppRunner(server.make_app(), handle_signals=False, access_log=None,
                           shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except (OSError, socket.gaierror) as exc:
        await runner.cleanup()
        _remove_if_empty(log_dir)
        p.error(_listen_error(host, port, exc))
    if not _is_loopback(host):
        _say(f"warning: listening on {host}: anyone who can reach this port and has the "
             "token drives the dashboard, without encryption (use ssh -L instead)")
    bound = runner.addresses[0][1] if runner.addresses else port  # --port 0: the one given
    received = await _until_signal(server, host, bound, log_dir)
    await server.end_tabs()
    await runner.cleanup()
    for name in server.still_training():
        _say(f"run {name} started in a browser tab trains on: bp-tui attach {name}")
    _remove_if_empty(log_dir)
    _say("interrupted" if received == signal.SIGINT else "stopped: every tab's process ended")
    return 128 + received


async def _until_signal(server, host: str, port: int, log_dir: Path) -> int:
    """Print the URL and wait for SIGINT, SIGTERM or SIGHUP; return which came."""
    loop = asyncio.get_running_loop()
    came: asyncio.Future[int] = loop.create_future()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, lambda s=sig: came.done() or came.set_result(s))
    shown = f"[{host}]" if ":" in host else host
    if shown in ("0.0.0.0", "[::]", ""):
        shown = socket.gethostname()
    print(f"http://{shown}:{port}/?token={server.token}", flush=True)
    _say(f"serving bp-tui {' '.join(server.argv)}".rstrip() + " to browser tabs; "
         f"each tab's output goes to {log_dir}/tab-N.log; Ctrl-C stops")
    received = await came
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # a second one: kill them
        loop.add_signal_handler(sig, server.kill_tabs)
    _say("stopping: ending every tab's process (again: kill them at once)…")
    return received


def _listen_error(host: str, port: int, exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == 98:  # EADDRINUSE
        return f"argument --port: port {port} on {host} is in use (choose another with --port)"
    errno = getattr(exc, "errno", None)
    if isinstance(errno, int) and errno > 0:
        reason = os.strerror(errno)  # aiohttp's own text repeats the address
    else:
        reason = getattr(exc, "strerror", None) or str(exc)
    return f"argument --host: cannot listen on {host} port {port}: {reason}"


class _OneLine(logging.Formatter):
    """A log record as one line: never a traceback (``BP_TUI_DEBUG=1`` shows them)."""

    def formatException(self, ei) -> str:
        if os.environ.get("BP_TUI_DEBUG"):
            return super().formatException(ei)
        return ""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
        return text


def _logging() -> None:
    """The server's notes (refusals, kills, tabs that failed) and aiohttp's errors as
    one line each on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine("bp-tui serve: %(message)s"))
    for name, level in (("bp-tui.serve", logging.INFO), ("aiohttp", logging.ERROR),
                        ("textual-serve", logging.ERROR)):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()


def _say(message: str) -> None:
    print(f"bp-tui serve: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_serve(sys.argv[1:]))
