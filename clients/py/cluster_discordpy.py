"""discord.py 2.x, unmodified, against a 3-node Accord cluster: bot A logs
in at one node, bot B at another, the owner's REST calls go to a third
(ACCORD_URL). A's message, its edit and its delete reach B as on one node;
once the owner denies B the channel, B gets none of its new messages.

scripts/test-cluster-clients runs it by name (pytest collects test_*.py by
default; this file needs a cluster, ACCORD_CLUSTER_URLS).
"""
import asyncio
import contextlib
import os

import discord
import pytest
import yarl

from accord_discordpy import point_at_accord
from conftest import BASE, Setup, add_bot, rest
from test_discordpy import Recorder

EVENT_WAIT = 15


class ClusterSetup(Setup):
    """Setup on the owner's node, plus a second bot, a lobby channel and
    the two nodes the bots log in at."""

    def __init__(self, name, nodes):
        super().__init__(name)
        self.nodes = nodes
        self.b_id, self.b_token = add_bot(self.owner, self.guild_id, f"{name}-b")
        _, lobby = rest("POST", f"/guilds/{self.guild_id}/channels", self.owner, {"name": "lobby"}, want=201)
        self.lobby_id = int(lobby["id"])


@pytest.fixture(scope="module")
def cluster():
    urls = list(dict.fromkeys(u.strip().rstrip("/") for u in os.environ.get("ACCORD_CLUSTER_URLS", "").split(",") if u.strip()))
    others = [u for u in urls if u != BASE]
    if not BASE or len(urls) < 3 or len(others) != len(urls) - 1:
        pytest.fail(f"ACCORD_CLUSTER_URLS {os.environ.get('ACCORD_CLUSTER_URLS')!r}: want 3 or more nodes, "
                    f"ACCORD_URL {BASE!r} among them; run scripts/test-cluster-clients against `scripts/cluster up`")
    return ClusterSetup("discordpy_cluster", others[:2])


async def start(node, token, guild_id, recorder):
    """Log the bot in at node and wait for READY and the guild. discord.py reads its REST
    base and first gateway URL from class attributes when it builds a
    request or connects, so they are pointed at node for the login; the
    caller points them at another node only once this bot is done with
    REST."""
    point_at_accord(node)
    intents = discord.Intents.default()
    intents.message_content = True
    client = discord.Client(intents=intents, http_trace=recorder.trace)
    await client.login(token)
    conn = asyncio.create_task(client.connect(reconnect=False))
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({conn, ready}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    assert ready in done, f"no READY at {node} within 30 s (connect ended: {conn in done and conn.exception()!r})"
    for _ in range(50):
        if client.get_guild(guild_id):
            break
        await asyncio.sleep(0.1)
    assert client.get_guild(guild_id), f"guild {guild_id} not in the cache of the bot at {node}"
    return client, conn


@contextlib.asynccontextmanager
async def two_bots(cluster):
    """Bot B logs in at the second node, then bot A at the first; every REST
    request each made and its gateway's resume URL name its own node."""
    ra, rb = Recorder(), Recorder()
    b, b_conn = await start(cluster.nodes[1], cluster.b_token, cluster.guild_id, rb)
    a, a_conn = None, None
    try:
        a, a_conn = await start(cluster.nodes[0], cluster.bot_token, cluster.guild_id, ra)
        yield a, b
        for client, recorder, node in ((a, ra, cluster.nodes[0]), (b, rb, cluster.nodes[1])):
            want = yarl.URL(node)
            assert recorder.responses, f"no REST request to {node}"
            assert {(u.host, u.port) for _, u, _, _ in recorder.responses} == {(want.host, want.port)}, recorder.responses
            assert (client.ws.gateway.host, client.ws.gateway.port) == (want.host, want.port), client.ws.gateway
    finally:
        for client, conn in ((a, a_conn), (b, b_conn)):
            if client:
                await client.close()
                await asyncio.wait({conn}, timeout=10)


@contextlib.contextmanager
def pointed_at(node, then):
    """Point discord.py at node for what one bot does inside, then at then:
    its REST base is one class attribute, read when a request is built, and
    the other bot makes no request meanwhile."""
    point_at_accord(node)
    try:
        yield
    finally:
        point_at_accord(then)


async def event(client, name, check, action):
    """Run action and return the first `name` event of client that check
    accepts (the waiter is in place before action runs)."""
    waiter = asyncio.create_task(client.wait_for(name, check=check, timeout=EVENT_WAIT))
    await asyncio.sleep(0)
    result = await action
    return result, await waiter


def test_message_edit_delete_cross_nodes(cluster):
    """A's message reaches B on the other node, B's reply reaches A, and
    A's edit and delete reach B."""

    async def scenario():
        async with two_bots(cluster) as (a, b):
            assert (a.user.id, b.user.id) == (cluster.bot_id, cluster.b_id)
            channel_a = a.get_channel(cluster.channel_id)
            text = f"hello from {cluster.nodes[0]}"
            sent, got = await event(b, "message", lambda m: m.content == text, channel_a.send(text))
            assert (got.id, got.channel.id, got.author.id) == (sent.id, cluster.channel_id, cluster.bot_id)

            reply = f"hello back from {cluster.nodes[1]}"
            with pointed_at(cluster.nodes[1], cluster.nodes[0]):
                back, got = await event(a, "message", lambda m: m.content == reply,
                                        b.get_channel(cluster.channel_id).send(reply))
            assert got.id == back.id

            edited_text = f"edited on {cluster.nodes[0]}"
            _, edit = await event(b, "raw_message_edit", lambda p: p.message_id == sent.id, sent.edit(content=edited_text))
            assert edit.data["content"] == edited_text
            _, gone = await event(b, "raw_message_delete", lambda p: p.message_id == sent.id, sent.delete())
            assert gone.channel_id == cluster.channel_id

    asyncio.run(scenario())


def test_denied_bot_gets_no_new_messages(cluster):
    """After the owner (on a third node) denies B VIEW_CHANNEL, A's new
    message there never reaches B; A's later lobby message does."""

    async def scenario():
        async with two_bots(cluster) as (a, b):
            seen = []

            async def on_message(m):
                seen.append(m.id)

            b.event(on_message)
            rest("PUT", f"/channels/{cluster.channel_id}/permissions/{cluster.b_id}", cluster.owner,
                 {"type": 1, "allow": "0", "deny": "1024"}, want=204)
            secret = await a.get_channel(cluster.channel_id).send("not for B")
            # One guild's events reach a session in order: once B has the
            # lobby message sent after the secret one, B would have had it.
            marker, got = await event(b, "message", lambda m: m.content == "after the secret",
                                      a.get_channel(cluster.lobby_id).send("after the secret"))
            assert got.id == marker.id
            assert secret.id not in seen, "B, denied VIEW_CHANNEL, got the channel's new message"
            assert marker.id in seen

    asyncio.run(scenario())
