"""discord.py clients that outlive one test: an asyncio loop on its own
thread runs them, the tests (on the main thread) hand it coroutines and make
their REST calls as the owner with the blocking helpers of conftest, so a
library client keeps reading its gateway while a test waits on Accord."""
import asyncio
import threading
import time

import discord
import pytest

from accord_discordpy import point_at_accord
from conftest import BASE

WAIT = 15  # seconds an expected event may take


class Loop:
    """An asyncio event loop running on a daemon thread."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="discord.py", daemon=True)
        self.thread.start()

    def run(self, aw, timeout=60):
        """Await aw (a coroutine or another awaitable, such as discord.py's
        Typing) on the loop and return its result."""
        async def wait():
            return await aw
        return asyncio.run_coroutine_threadsafe(wait(), self.loop).result(timeout)

    def call(self, fn, *args):
        """Call fn(*args) on the loop's thread and return its result."""
        async def call():
            return fn(*args)
        return self.run(call())

    def expect(self, client, event, check=lambda *_: True):
        """Start waiting for client's next event that passes check and return
        a waiter; call it before the action that causes the event and
        waiter.result() after it."""
        async def arm():
            task = asyncio.ensure_future(client.wait_for(event, check=check, timeout=WAIT))
            await asyncio.sleep(0)  # the task has registered its listener
            return task
        return Waiter(self, self.run(arm()), event)

    def login(self, token, intents, **options):
        """Log a client in, wait for READY (and the guilds it announces) and
        return it with the task that runs its gateway connection."""
        point_at_accord(BASE)

        async def start():
            client = discord.Client(intents=intents, **options)
            await client.login(token)
            conn = asyncio.ensure_future(client.connect(reconnect=True))
            ready = asyncio.ensure_future(client.wait_until_ready())
            done, _ = await asyncio.wait({conn, ready}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
            assert ready in done, f"no READY within 30 s (connect ended: {conn in done and conn.exception()!r})"
            return client, conn
        return self.run(start())

    def logout(self, client, conn):
        async def stop():
            await client.close()
            await asyncio.wait({conn}, timeout=10)
        self.run(stop())

    def close(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class Waiter:
    """An armed client.wait_for."""

    def __init__(self, loop, task, event):
        self.loop, self.task, self.event = loop, task, event

    def result(self):
        async def wait():
            try:
                return await self.task
            except asyncio.TimeoutError:
                raise AssertionError(f"no {self.event} event within {WAIT} s") from None
        return self.loop.run(wait(), timeout=WAIT + 5)


def wait_until(cond, what, timeout=WAIT):
    """Poll cond (read from another thread: the client's cache) until true."""
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)


def raises(loop, coro, exc, code, status):
    """Run coro on loop and assert it raises discord.py's exc with Discord's code and status."""
    with pytest.raises(exc) as e:
        loop.run(coro)
    assert (e.value.code, e.value.status) == (code, status), e.value
    return e.value
