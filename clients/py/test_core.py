"""discord.py 2.x, unmodified, against a real Accord server: the behaviour
every client suite covers (issue 17). Bot A is the client under test; bot B
is a second library client that receives what A does, types, and is the
member whose permissions A's cache computes; the owner acts over REST.
"""
import logging
import time

import discord
import pytest

from bots import Loop, raises, wait_until
from conftest import Setup, add_bot, add_bot_app, authorize, rest

BAD_ID = 1234567890123456789


class Core:
    """The shared setup: the owner's guild, A and B logged in."""

    def __init__(self):
        self.s = Setup("discordpy-core")
        _, me = rest("GET", "/users/@me", self.s.owner, want=200)
        self.owner_id = int(me["id"])
        # "discordpy-core-typist..." is a prefix of no other member's name.
        self.b_id, self.b_token = add_bot(self.s.owner, self.s.guild_id, "discordpy-core-typist")
        self.loop = Loop()
        intents = discord.Intents.default()
        intents.members = intents.message_content = True
        self.a, self.a_conn = self.loop.login(self.s.bot_token, intents, chunk_guilds_at_startup=False)
        b_intents = discord.Intents.none()
        b_intents.guilds = b_intents.guild_messages = b_intents.message_content = True
        self.b, self.b_conn = self.loop.login(self.b_token, b_intents)
        # What each client got, recorded on the loop's thread.
        self.a_messages, self.a_readies, self.a_resumes, self.b_typing = [], [], [], []

        async def on_message(m):
            self.a_messages.append(m.id)

        async def on_ready():
            self.a_readies.append(time.monotonic())

        async def on_resumed():
            self.a_resumes.append(time.monotonic())

        async def on_typing(*_):
            self.b_typing.append(time.monotonic())
        self.a.event(on_message)
        self.a.event(on_ready)
        self.a.event(on_resumed)
        self.b.event(on_typing)

    def guild(self):
        return self.a.get_guild(self.s.guild_id)

    def new_channel(self, name):
        """A text channel made by the owner, once A's cache has it."""
        created = self.loop.expect(self.a, "guild_channel_create", lambda c: c.name == name)
        _, ch = rest("POST", f"/guilds/{self.s.guild_id}/channels", self.s.owner, {"name": name}, want=201)
        assert created.result().id == int(ch["id"])
        return self.a.get_channel(int(ch["id"]))

    def post(self, channel_id, content):
        """A message the owner posts over REST; its id."""
        _, m = rest("POST", f"/channels/{channel_id}/messages", self.s.owner, {"content": content}, want=200)
        return int(m["id"])


@pytest.fixture(scope="module")
def core(accord):
    c = Core()
    yield c
    c.loop.logout(c.a, c.a_conn)
    c.loop.logout(c.b, c.b_conn)
    c.loop.close()


def test_ready_and_caches(core):
    """READY and GUILD_CREATE fill the guild, channel and own-member caches;
    a guild the bot is not in stays out of them."""
    s, a = core.s, core.a
    assert a.user.id == s.bot_id and a.user.bot
    guild = core.guild()
    assert guild is not None and not guild.unavailable
    assert guild.owner_id == core.owner_id
    assert guild.member_count == 3
    assert isinstance(guild.get_channel(s.channel_id), discord.TextChannel)
    assert guild.default_role.id == guild.id
    assert guild.me.id == s.bot_id
    assert not guild.chunked, "chunked without asking (chunk_guilds_at_startup=False)"

    _, other = rest("POST", "/guilds", s.owner, {"name": "not the bots"}, want=201)
    # A session's events arrive in order: a GUILD_CREATE for the other guild
    # would come before the marker.
    marked = core.loop.expect(a, "message", lambda m: m.content == "after the other guild")
    core.post(s.channel_id, "after the other guild")
    marked.result()
    assert a.get_guild(int(other["id"])) is None, "A cached a guild it is not in"


def test_send_receive_edit_delete(core):
    """A's message, its edit and its delete reach B; B cannot edit A's message."""
    s, loop = core.s, core.loop
    channel = core.a.get_channel(s.channel_id)
    created = loop.expect(core.b, "message", lambda m: m.content == "hello B")
    sent = loop.run(channel.send("hello B"))
    got = created.result()
    assert (got.id, got.author.id, got.channel.id) == (sent.id, s.bot_id, s.channel_id)

    raises(loop, core.b.get_channel(s.channel_id).get_partial_message(sent.id).edit(content="not yours"),
           discord.Forbidden, 50005, 403)

    updated = loop.expect(core.b, "message_edit", lambda _, m: m.id == sent.id)
    edited = loop.run(sent.edit(content="hello again B"))
    assert edited.edited_at is not None
    assert updated.result()[1].content == "hello again B"

    deleted = loop.expect(core.b, "raw_message_delete", lambda p: p.message_id == sent.id)
    loop.run(sent.delete())
    assert deleted.result().channel_id == s.channel_id
    raises(loop, channel.fetch_message(sent.id), discord.NotFound, 10008, 404)


def test_history_paging_and_around(core):
    """Pages both ways from either end, and around either end, in Discord's
    order (newest first), through the library's HTTP layer and history()."""
    loop = core.loop
    channel = core.new_channel("discordpy-history")
    ids = [loop.run(channel.send(f"page {i}")).id for i in range(5)]
    m0, m1, m2, m3, m4 = ids

    def page(**kw):
        return [int(m["id"]) for m in loop.run(core.a.http.logs_from(channel.id, **kw))]

    assert page(limit=2, after=0) == [m1, m0], "after=0 is the start of the channel"
    assert page(limit=2, after=m1) == [m3, m2]
    assert page(limit=2, after=m3) == [m4]
    assert page(limit=2, after=m4) == []
    assert page(limit=2) == [m4, m3]
    assert page(limit=2, before=m4) == [m3, m2]
    assert page(limit=2, before=m2) == [m1, m0]
    assert page(limit=2, before=m0) == []
    assert page(limit=5, around=m0) == [m2, m1, m0]
    assert page(limit=5, around=m4) == [m4, m3, m2]
    assert page(limit=5, around=m2) == [m4, m3, m2, m1, m0]
    assert page(limit=3, around=m2) == [m3, m2, m1]

    async def history(**kw):
        return [m.id async for m in channel.history(**kw)]
    assert loop.run(history(limit=None, oldest_first=True)) == ids
    assert loop.run(history(limit=2, after=discord.Object(m1))) == [m2, m3]
    assert loop.run(history(limit=None, before=discord.Object(m4))) == [m3, m2, m1, m0]
    assert loop.run(history(limit=5, around=discord.Object(m0))) == [m2, m1, m0]


def test_typing(core):
    """B's TYPING_START reaches A; B, without the typing intent, gets none of A's."""
    s, loop = core.s, core.loop
    typing = loop.expect(core.a, "typing", lambda _, user, __: user.id == core.b_id)
    loop.run(core.b.get_channel(s.channel_id).typing())
    channel, _, when = typing.result()
    assert channel.id == s.channel_id and when is not None

    core.b_typing.clear()
    loop.run(core.a.get_channel(s.channel_id).typing())
    marked = loop.expect(core.b, "message", lambda m: m.content == "after typing")
    loop.run(core.a.get_channel(s.channel_id).send("after typing"))
    marked.result()
    assert core.b_typing == [], "B got TYPING_START without the typing intent"


def test_member_requests(core):
    """op 8 with GUILD_MEMBERS: chunk_guild lists every member, query_members
    finds by name prefix and by id, and an unknown prefix finds no one."""
    loop, guild = core.loop, core.guild()
    assert guild.get_member(core.owner_id) is None, "the owner was cached before any op 8"
    members = loop.run(guild.chunk())
    assert {m.id for m in members} == {core.owner_id, core.s.bot_id, core.b_id}
    assert guild.chunked and guild.get_member(core.owner_id) is not None

    b_name = guild.get_member(core.b_id).name
    assert [m.id for m in loop.run(guild.query_members(b_name, limit=10))] == [core.b_id]
    assert loop.run(guild.query_members("nobody-by-this-name", limit=10)) == []
    assert [m.id for m in loop.run(guild.query_members(user_ids=[core.owner_id]))] == [core.owner_id]


def test_roles_and_overwrites(core):
    """Role create/edit, a role given to B and channel overwrites reach A's
    cache, and A's permissions_for agrees with what Accord lets B and A do."""
    s, loop, a, guild = core.s, core.loop, core.a, core.guild()
    assert not guild.me.guild_permissions.manage_roles
    raises(loop, guild.create_role(name="not allowed"), discord.Forbidden, 50013, 403)

    created = loop.expect(a, "guild_role_create", lambda r: r.name == "writers")
    _, role = rest("POST", f"/guilds/{s.guild_id}/roles", s.owner, {"name": "writers", "permissions": "0"}, want=200)
    role_id = int(role["id"])
    assert created.result().id == role_id
    updated = loop.expect(a, "guild_role_update", lambda _, r: r.id == role_id)
    rest("PATCH", f"/guilds/{s.guild_id}/roles/{role_id}", s.owner, {"name": "scribes", "color": 0x3366FF}, want=200)
    updated.result()
    assert (guild.get_role(role_id).name, guild.get_role(role_id).colour.value) == ("scribes", 0x3366FF)

    loop.run(guild.query_members(user_ids=[core.b_id]))  # B in A's cache, for GUILD_MEMBER_UPDATE
    given = loop.expect(a, "member_update", lambda _, m: m.id == core.b_id and any(r.id == role_id for r in m.roles))
    rest("PUT", f"/guilds/{s.guild_id}/members/{core.b_id}/roles/{role_id}", s.owner, want=204)
    b_member = given.result()[1]

    channel = core.new_channel("discordpy-perms")
    overwritten = loop.expect(a, "guild_channel_update", lambda _, c: c.id == channel.id and len(c.overwrites) == 2)
    rest("PUT", f"/channels/{channel.id}/permissions/{s.guild_id}", s.owner,
         {"type": 0, "allow": "0", "deny": str(discord.Permissions(send_messages=True).value)}, want=204)
    rest("PUT", f"/channels/{channel.id}/permissions/{role_id}", s.owner,
         {"type": 0, "allow": str(discord.Permissions(send_messages=True).value), "deny": "0"}, want=204)
    overwritten.result()
    assert loop.call(lambda: channel.permissions_for(b_member).send_messages), "A computes that B may not send"
    mine = loop.call(lambda: channel.permissions_for(guild.me))
    assert mine.view_channel and not mine.send_messages, f"A computes its own permissions as {mine}"
    # Accord agrees: B may send, A may not.
    loop.run(loop.run(core.b.fetch_channel(channel.id)).send("B may write here"))
    raises(loop, channel.send("A may not"), discord.Forbidden, 50013, 403)

    hidden = loop.expect(a, "guild_channel_update", lambda _, c: c.id == channel.id and len(c.overwrites) == 3)
    rest("PUT", f"/channels/{channel.id}/permissions/{core.b_id}", s.owner,
         {"type": 1, "allow": "0", "deny": str(discord.Permissions(view_channel=True).value)}, want=204)
    hidden.result()
    assert not loop.call(lambda: channel.permissions_for(b_member).view_channel), "A computes that B still sees it"
    raises(loop, core.b.fetch_channel(channel.id), discord.Forbidden, 50001, 403)


def test_resume_replays_missed_messages(core, caplog):
    """A socket cut from the client side RESUMEs (discord.py logs RESUMED,
    no new READY) and replays what A missed, in order."""
    caplog.set_level(logging.INFO, logger="discord.gateway")
    s, loop = core.s, core.loop
    transport = core.a.ws.socket._conn.transport
    readies = len(core.a_readies)
    core.a_resumes.clear()
    # Stop reading, so that what Accord sends now never reaches the library;
    # then cut the connection.
    loop.call(transport.pause_reading)
    missed = [core.post(s.channel_id, "missed 1"), core.post(s.channel_id, "missed 2")]
    time.sleep(0.2)
    assert not set(missed) & set(core.a_messages), "A read from a paused socket"
    loop.call(transport.abort)
    wait_until(lambda: core.a_resumes, "RESUMED")
    wait_until(lambda: set(missed) <= set(core.a_messages), "the missed messages replayed")
    assert [m for m in core.a_messages if m in missed] == missed
    assert len(core.a_readies) == readies, "a new READY instead of RESUMED"
    assert any("successfully RESUMED" in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]
    after = loop.expect(core.a, "message", lambda m: m.content == "after resume")
    core.post(s.channel_id, "after resume")
    after.result()


def test_two_shards(core):
    """Two shards: each shard's client gets only its guilds (guild_id >> 22
    % 2) and their messages; without MESSAGE_CONTENT the content is blank."""
    s, loop = core.s, core.loop
    app_id, _, token = add_bot_app(s.owner, s.guild_id, "discordpy-shards")
    guilds = [s.guild_id]
    for i in range(12):
        if len({g >> 22 & 1 for g in guilds}) == 2:
            break
        _, g = rest("POST", "/guilds", s.owner, {"name": f"discordpy-shard-{i}"}, want=201)
        authorize(s.owner, app_id, g["id"])
        guilds.append(int(g["id"]))
    assert len({g >> 22 & 1 for g in guilds}) == 2, "no guild on each shard after 12 tries"

    intents = discord.Intents.none()
    intents.guilds = intents.guild_messages = True
    clients = []
    try:
        for shard in (0, 1):
            if shard:
                time.sleep(5.2)  # max_concurrency 1: one IDENTIFY per 5 s
            clients.append(loop.login(token, intents, shard_id=shard, shard_count=2))
        got = {0: [], 1: []}
        for shard, (client, _) in enumerate(clients):
            assert sorted(g.id for g in client.guilds) == sorted(g for g in guilds if g >> 22 & 1 == shard)
            assert all(g.shard_id == shard for g in client.guilds)

            async def on_message(m, shard=shard):
                got[shard].append(m.guild.id)
            client.event(on_message)
        for guild_id in (guilds[0], next(g for g in guilds if g >> 22 & 1 != guilds[0] >> 22 & 1)):
            shard = guild_id >> 22 & 1
            _, chans = rest("GET", f"/guilds/{guild_id}/channels", s.owner, want=200)
            channel_id = int(next(c["id"] for c in chans if c["type"] == 0))
            arrived = loop.expect(clients[shard][0], "message", lambda m, ch=channel_id: m.channel.id == ch)
            sent = core.post(channel_id, f"to shard {shard}")
            m = arrived.result()
            assert m.id == sent and m.content == "", "content reached a bot without MESSAGE_CONTENT"
        assert all(g >> 22 & 1 == shard for shard in (0, 1) for g in got[shard]), got
    finally:
        for client, conn in clients:
            loop.logout(client, conn)


def test_error_classes(core):
    """Accord's errors surface as discord.py's own exceptions with Discord's codes."""
    loop, channel = core.loop, core.a.get_channel(core.s.channel_id)
    raises(loop, core.a.fetch_channel(BAD_ID), discord.NotFound, 10003, 404)
    raises(loop, channel.fetch_message(BAD_ID), discord.NotFound, 10008, 404)
    e = raises(loop, channel.send("x" * 2001), discord.HTTPException, 50035, 400)
    assert "content" in e.text, e.text
    # 50001 and 50013 on a channel are asserted where its overwrites are set
    # up, above; here the guild-level 50013: A may not make channels.
    raises(loop, core.guild().create_text_channel("not-allowed"), discord.Forbidden, 50013, 403)
