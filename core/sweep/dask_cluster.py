"""A sweep's members on a Dask cluster: ``dask_executor`` connects to a scheduler or
says in one line why it cannot, within a stated time.

``distributed.Client(address, timeout=…)`` alone does not bound the wait: a port that
accepts the connection but never answers (a wrong service, a half-dead scheduler) holds
it forever, junk that answers can make it allocate without bound (MemoryError), and a
Client whose constructor failed blocks the interpreter's exit for 2 × timeout in its
``__del__`` (then prints "ignored an error (TimeoutError…)"). So the address is checked
first (scheme, host, port), the scheduler is asked who it is (``identity``) on an
event loop of our own under ``asyncio.wait_for``, and only then is the Client made; a
failed Client is marked closed so its ``__del__`` has nothing to wait for.
``distributed`` is imported only when a Dask address is given.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

__all__ = ["DASK_TIMEOUT", "ExecutorError", "check_address", "dask_executor"]

DASK_TIMEOUT = 10.0
"""Seconds ``dask_executor`` waits for a scheduler by default (``--dask-timeout``)."""


class ExecutorError(RuntimeError):
    """An executor cannot be had; the message is one line (e.g. no scheduler there)."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def check_address(address: str) -> str:
    """``address`` normalised ("host:8786" → "tcp://host:8786") if it names a scheduler
    distributed can connect to; ExecutorError (one line) otherwise. Connects nothing."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    if not isinstance(address, str) or not address.strip():
        raise ExecutorError("the address is empty; give the scheduler's, e.g. "
                            "tcp://host:8786")
    address = address.strip()
    if "://" not in address:
        address = f"tcp://{address}"
    try:
        scheme, location = parse_address(address)
        get_backend(scheme)
        if scheme in ("tcp", "tls", "ws", "wss"):
            parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise ExecutorError(f"not a Dask scheduler address: {address} "
                            f"({_first_line(exc)})") from None
    return address


async def _identity(address: str, timeout: float) -> dict[str, Any]:
    from distributed.core import rpc

    async with rpc(address, timeout=timeout) as scheduler:
        return await scheduler.identity()


def _run_alone(coro, timeout: float) -> Any:
    """``coro`` run to its end (at most ``timeout`` s) on an event loop of its own — in
    a helper thread when this thread already runs one (a UI)."""
    bounded = asyncio.wait_for(coro, timeout)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(bounded)
    with ThreadPoolExecutor(1, thread_name_prefix="bp-tui-dask-probe") as pool:
        return pool.submit(asyncio.run, bounded).result()


def _probe(address: str, timeout: float) -> None:
    """ExecutorError unless a Dask scheduler at ``address`` answers within ``timeout``."""
    why = None
    try:
        info = _run_alone(_identity(address, timeout), timeout)
    except (asyncio.TimeoutError, TimeoutError):
        why = f"no answer within {timeout:g} s"
    except OSError as exc:  # distributed retries a refused connection until timeout
        why = f"no answer within {timeout:g} s" if "Timed out" in str(exc) else \
            _first_line(exc)
    except MemoryError:
        why = "what answers there is not a Dask scheduler"
    except Exception as exc:  # refused, unresolvable, junk: distributed's own words
        why = _first_line(exc)
    else:
        if not isinstance(info, dict) or info.get("type") != "Scheduler":
            kind = info.get("type") if isinstance(info, dict) else None
            why = f"what answers there is not a Dask scheduler ({kind or 'unknown'})"
    if why:
        raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {why}")


def _client(address: str, timeout: float):
    """A connected ``distributed.Client``; on failure the half-made one is marked closed
    (its ``__del__`` then returns at once) and ExecutorError raised."""
    from distributed import Client

    client = Client.__new__(Client)
    try:
        client.__init__(address, timeout=timeout, set_as_default=False)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            client.status = "closed"
            client._loop_runner.stop()
        if isinstance(exc, Exception):
            raise ExecutorError(f"cannot reach the Dask scheduler at {address}: "
                                f"{_first_line(exc)}") from None
        raise
    return client


def dask_executor(address: str, timeout: float = DASK_TIMEOUT
                  ) -> tuple[Executor, Callable[[], None]]:
    """An executor on the Dask scheduler at ``address`` and the function closing it.

    ``Client(address).get_executor(pure=False)``: every member is a task of its own
    (never deduplicated). ExecutorError with one line when ``distributed`` is not
    installed, the address is not one, or no scheduler answers within ``timeout`` s.
    """
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ExecutorError("needs the optional extra: pip install 'bp-tui[dask]'") from None
    address = check_address(address)
    _probe(address, timeout)
    client = _client(address, timeout)
    executor = client.get_executor(pure=False)

    def close() -> None:
        try:
            executor.shutdown(wait=False)
        finally:
            client.close()

    return executor, close
