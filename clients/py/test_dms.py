"""discord.py 2.x, unmodified, in direct messages on Accord (issue 14): a
user made over REST opens a DM with a bot and writes to it; the bot, with
the dm_messages intent, gets on_message in the DM (with content, without
message_content, as Discord sends DMs to bots) and answers with
channel.send, user.send and create_dm; a second bot without the intent gets
no DM message; a user who blocked the bot makes user.send raise
discord.Forbidden with 50007.
"""
import secrets

import discord
import pytest

from bots import Loop, raises
from conftest import Setup, add_bot, rest, rest_full


def member(s, name):
    """Register a user who joins the guild by invite; (id, token)."""
    _, reg = rest("POST", "/auth/register", body={"username": f"{name}_{secrets.token_hex(4)}",
                                                  "password": "correct horse battery staple"}, want=201)
    token = reg["token"]
    _, me = rest("GET", "/users/@me", token, want=200)
    _, inv = rest("POST", f"/channels/{s.channel_id}/invites", s.owner, {}, want=200)
    rest("POST", f"/invites/{inv['code']}", token, want=200)
    return int(me["id"]), token


class DMs:
    def __init__(self):
        self.s = Setup("discordpy-dms")
        self.quiet_id, self.quiet_token = add_bot(self.s.owner, self.s.guild_id, "discordpy-dms-quiet")
        self.human_id, self.human = member(self.s, "dmuser")
        self.loop = Loop()
        with_dms = discord.Intents.none()
        with_dms.guilds = True
        with_dms.dm_messages = True
        self.a, self.a_conn = self.loop.login(self.s.bot_token, with_dms)
        without = discord.Intents.none()
        without.guilds = True
        without.guild_messages = True
        without.message_content = True
        self.b, self.b_conn = self.loop.login(self.quiet_token, without)
        self.b_dms = []  # DM messages B, without dm_messages, saw

        async def on_message(m):
            if m.guild is None:
                self.b_dms.append(m.content)
        self.b.event(on_message)


@pytest.fixture(scope="module")
def dms(accord):
    d = DMs()
    yield d
    d.loop.logout(d.a, d.a_conn)
    d.loop.logout(d.b, d.b_conn)
    d.loop.close()


def test_on_message_in_a_dm_and_answers(dms):
    _, ch = rest("POST", "/users/@me/channels", dms.human, {"recipient_id": str(dms.s.bot_id)}, want=200)
    assert ch["type"] == 1 and int(ch["recipients"][0]["id"]) == dms.s.bot_id, ch
    got = dms.loop.expect(dms.a, "message", lambda m: m.channel.id == int(ch["id"]))
    rest("POST", f"/channels/{ch['id']}/messages", dms.human, {"content": "hello bot"}, want=200)
    m = got.result()
    assert m.content == "hello bot", "a DM reaches a bot with its content, message_content or not"
    assert m.guild is None and isinstance(m.channel, discord.DMChannel)
    assert m.author.id == dms.human_id

    reply = dms.loop.run(m.channel.send("hello human"))
    assert reply.channel.id == int(ch["id"])
    user = dms.loop.run(dms.a.fetch_user(dms.human_id))
    sent = dms.loop.run(user.send("sent with user.send"))
    channel = dms.loop.run(user.create_dm())
    assert channel.id == sent.channel.id == int(ch["id"])
    dms.loop.run(channel.send("sent with create_dm"))
    _, history = rest("GET", f"/channels/{ch['id']}/messages?limit=3", dms.human, want=200)
    assert [x["content"] for x in history] == ["sent with create_dm", "sent with user.send", "hello human"]


def test_no_dm_message_without_the_intent(dms):
    _, ch = rest("POST", "/users/@me/channels", dms.human, {"recipient_id": str(dms.quiet_id)}, want=200)
    rest("POST", f"/channels/{ch['id']}/messages", dms.human, {"content": "unseen"}, want=200)
    # One session's events come in order: once the guild marker is here, a
    # DM message would have come first.
    marker = dms.loop.expect(dms.b, "message", lambda m: m.content == "dm marker")
    rest("POST", f"/channels/{dms.s.channel_id}/messages", dms.s.owner, {"content": "dm marker"}, want=200)
    marker.result()
    assert dms.b_dms == [], "a bot without dm_messages saw DM messages"


def test_blocked_user_is_forbidden(dms):
    blocker_id, blocker = member(dms.s, "blocker")
    rest("PUT", f"/users/@me/relationships/{dms.s.bot_id}", blocker, {"type": 2}, want=204)
    user = dms.loop.run(dms.a.fetch_user(blocker_id))
    raises(dms.loop, user.send("are you there?"), discord.Forbidden, 50007, 403)
    # Nor may a user who shares no guild with the bot open a DM with it.
    _, reg = rest("POST", "/auth/register", body={"username": f"stranger_{secrets.token_hex(4)}",
                                                  "password": "correct horse battery staple"}, want=201)
    status, body = rest("POST", "/users/@me/channels", reg["token"], {"recipient_id": str(dms.s.bot_id)})
    assert (status, body["code"]) == (403, 50007), body


async def all_pins(channel):
    return [p async for p in channel.pins()]


def test_pins_in_a_dm(dms):
    """Message.pin/unpin and DMChannel.pins in a DM: no permissions there,
    and private_channel_pins_update arrives (CHANNEL_PINS_UPDATE without a
    guild)."""
    _, ch = rest("POST", "/users/@me/channels", dms.human, {"recipient_id": str(dms.s.bot_id)}, want=200)
    _, sent = rest("POST", f"/channels/{ch['id']}/messages", dms.human, {"content": "pin me"}, want=200)
    channel = dms.loop.run(dms.a.fetch_channel(int(ch["id"])))
    assert isinstance(channel, discord.DMChannel)
    m = dms.loop.run(channel.fetch_message(int(sent["id"])))
    update = dms.loop.expect(dms.a, "private_channel_pins_update", lambda c, _: c.id == channel.id)
    dms.loop.run(m.pin())
    _, when = update.result()
    assert when is not None
    pins = dms.loop.run(all_pins(channel))
    assert [p.id for p in pins] == [m.id] and pins[0].content == "pin me"
    dms.loop.run(m.unpin())
    assert dms.loop.run(all_pins(channel)) == []
    # A stranger to the DM can do neither.
    _, reg = rest("POST", "/auth/register", body={"username": f"pinless_{secrets.token_hex(4)}",
                                                  "password": "correct horse battery staple"}, want=201)
    status, body = rest("PUT", f"/channels/{ch['id']}/pins/{sent['id']}", reg["token"])
    assert (status, body["code"]) == (403, 50001), body
