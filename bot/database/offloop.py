"""The one way async code runs a blocking database call: in the default executor, off the event loop."""

import asyncio
import functools
from typing import Any, Callable, TypeVar

from sqlalchemy.engine import Engine

T = TypeVar("T")


class Database:
    """An engine that async code (the gateway, the action server) calls through `run`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(engine, *args)` in a worker thread, so the event loop keeps serving other sockets."""
        call = functools.partial(function, self.engine, *args)
        return await asyncio.get_running_loop().run_in_executor(None, call)
