"""discord.py 2.x, unmodified, against a real Accord server: pointed at
Accord by the README's snippet, it logs in, bursts messages into one
channel honouring Accord's rate-limit buckets, and waits out a 429. The start of issue 17's
discord.py suite: each later behaviour gets its own test here.
"""
import asyncio
import os

import aiohttp
import discord

from accord_discordpy import point_at_accord
from conftest import ACCORD_HOST, BASE, exhaust_bucket, hosts, rest

BURST = int(os.environ.get("ACCORD_CLIENT_BURST", "100"))
# A library that honours the bucket waits before it sends; a 429 now and
# then is tolerated, a library that ignores the headers gets dozens (about
# 95 of a 100-message burst). discord.py sets a bucket's expiry from the
# reset-after of each response as its event loop handles it: on a loaded
# machine a late-handled response from the end of one window can reopen
# the bucket once more in the next, a whole window (5) of 429s at once
# (seen: 6 while two other suites ran on the same 2 cores). So the bound is
# a tenth of the burst, still far from what ignoring the headers gives.
MAX_429 = max(3, BURST // 10)
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                      "X-RateLimit-Reset-After", "X-RateLimit-Bucket")


class Recorder:
    """Records every HTTP response discord.py's session receives, through
    the aiohttp TraceConfig that discord.Client accepts as http_trace."""

    def __init__(self):
        self.responses = []
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_end.append(self._end)

    async def _end(self, _session, _ctx, params):
        self.responses.append((params.method, params.url, params.response.status, params.response.headers))


async def run_bot(token, body, recorder=None):
    """Log the bot in, wait for READY, run body(client), close."""
    point_at_accord(BASE)
    intents = discord.Intents.default()
    client = discord.Client(intents=intents, http_trace=recorder.trace if recorder else None)
    async with client:
        await client.login(token)
        conn = asyncio.create_task(client.connect(reconnect=False))
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({conn, ready}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        assert ready in done, f"no READY within 30 s (connect ended: {conn in done and conn.exception()!r})"
        try:
            return await body(client)
        finally:
            await client.close()
            await asyncio.wait({conn}, timeout=10)


def test_point_at_accord_and_ready(accord):
    """The snippet sends REST and gateway traffic to Accord only, and the
    bot logs in: READY names the bot and GUILD_CREATE fills the cache."""
    hosts.clear()

    async def body(client):
        assert client.user.id == accord.bot_id
        for _ in range(50):
            if client.get_guild(accord.guild_id):
                break
            await asyncio.sleep(0.1)
        guild = client.get_guild(accord.guild_id)
        assert guild is not None, f"guild {accord.guild_id} not in the cache: {client.guilds}"
        assert guild.get_channel(accord.channel_id) is not None
        # RESUME goes to resume_gateway_url from READY: Accord's too.
        assert client.ws.gateway.host == ACCORD_HOST, client.ws.gateway

    asyncio.run(run_bot(accord.bot_token, body))
    assert hosts, "the connection guard saw no connection"
    assert set(hosts) == {ACCORD_HOST}, f"connections left Accord: {sorted(set(hosts))}"


def test_burst_honours_rate_limit_bucket(accord):
    """BURST messages sent at once all succeed, the history holds them in
    order, and the library waits on the per-channel bucket instead of
    collecting 429s."""
    assert 1 <= BURST <= 100, "ACCORD_CLIENT_BURST: 1..100 (one history page)"
    recorder = Recorder()
    texts = [f"discord.py burst {i:03d}" for i in range(BURST)]

    async def body(client):
        channel = client.get_channel(accord.channel_id) or await client.fetch_channel(accord.channel_id)
        sends = [channel.send(t) for t in texts]
        return await asyncio.wait_for(asyncio.gather(*sends), timeout=max(120, 3 * BURST))

    sent = asyncio.run(run_bot(accord.bot_token, body, recorder))
    assert [m.content for m in sent] == texts

    # discord.py does not keep concurrent sends in order (after a bucket
    # resets, its waiters go out together), so the history must hold exactly
    # the acknowledged messages in the order Accord acknowledged them.
    acked = sorted(sent, key=lambda m: m.id)
    _, history = rest("GET", f"/channels/{accord.channel_id}/messages?limit=100", accord.owner, want=200)
    history.reverse()
    assert [(int(m["id"]), m["content"]) for m in history] == [(m.id, m.content) for m in acked], \
        "history lacks messages or has them out of order"

    posts = [(status, headers) for method, url, status, headers in recorder.responses
             if method == "POST" and url.path == f"/api/v10/channels/{accord.channel_id}/messages"]
    limited = [h for status, h in posts if status == 429]
    print(f"discord.py: {len(posts)} POSTs for {BURST} messages, {len(limited)} answered 429")
    assert len(posts) - len(limited) == BURST
    assert len(limited) <= MAX_429, f"{len(limited)} 429s: the library did not honour the bucket"
    buckets = set()
    for status, headers in posts:
        missing = [h for h in RATE_LIMIT_HEADERS if h not in headers]
        assert not missing, f"a {status} message create lacks {missing}"
        assert 0 <= int(headers["X-RateLimit-Remaining"]) < int(headers["X-RateLimit-Limit"])
        assert float(headers["X-RateLimit-Reset-After"]) >= 0
        buckets.add(headers["X-RateLimit-Bucket"])
    assert len(buckets) == 1, f"one channel's message creates share one bucket, got {buckets}"
    for h in limited:
        assert "Retry-After" in h and h.get("X-RateLimit-Scope"), dict(h)


def test_429_from_an_unknown_bucket_is_waited_out(accord):
    """A 429 the library could not foresee (the bucket was spent outside
    it) is waited out and the send retried: it succeeds, no exception."""
    _, ch = rest("POST", f"/guilds/{accord.guild_id}/channels", accord.owner, {"name": "discordpy-429"}, want=201)
    channel_id = int(ch["id"])
    recorder = Recorder()

    async def body(client):
        channel = client.get_channel(channel_id) or await client.fetch_channel(channel_id)
        await asyncio.get_running_loop().run_in_executor(None, exhaust_bucket, channel_id, accord.bot_token)
        return await asyncio.wait_for(channel.send("after a 429"), timeout=30)

    sent = asyncio.run(run_bot(accord.bot_token, body, recorder))
    assert sent.content == "after a 429"
    statuses = [status for method, url, status, _ in recorder.responses
                if method == "POST" and url.path == f"/api/v10/channels/{channel_id}/messages"]
    print(f"discord.py: message create answered {statuses}")
    assert statuses[0] == 429 and statuses[-1] == 200, statuses
    _, history = rest("GET", f"/channels/{channel_id}/messages?limit=1", accord.owner, want=200)
    assert history[0]["id"] == str(sent.id)


def test_history_oldest_first(accord):
    """history(oldest_first=True) starts from after=0: it yields the
    channel's oldest messages in order, not the newest page (issue 17)."""
    _, ch = rest("POST", f"/guilds/{accord.guild_id}/channels", accord.owner, {"name": "discordpy-history"}, want=201)
    channel_id = int(ch["id"])

    async def body(client):
        channel = client.get_channel(channel_id) or await client.fetch_channel(channel_id)
        sent = [await channel.send(f"h{i}") for i in range(6)]
        oldest = [m.id async for m in channel.history(limit=5, oldest_first=True)]
        newest = [m.id async for m in channel.history(limit=5)]
        return [m.id for m in sent], oldest, newest

    sent, oldest, newest = asyncio.run(run_bot(accord.bot_token, body))
    assert oldest == sent[:5], f"oldest_first: {oldest}, want {sent[:5]}"
    assert newest == sent[:0:-1], f"newest first: {newest}, want {sent[:0:-1]}"
