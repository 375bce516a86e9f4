"""discord.py 2.x, unmodified, watching presence on Accord (issue 14): bot A
(presences and members intents) sees a user go online when the user's
gateway session identifies and offline once the last session has ended
(after the server's grace). Must not: bot B, in the same guild without the
presences intent, and bot C, with it but sharing no guild with the user,
get none of the user's presence updates.
"""
import asyncio
import secrets
import time

import aiohttp
import discord
import pytest

from bots import Loop
from conftest import Setup, add_bot, rest


class Presence:
    """A (presences), B (no presences) in the suite's guild, C elsewhere."""

    def __init__(self):
        self.s = Setup("discordpy-presence")
        self.b_id, self.b_token = add_bot(self.s.owner, self.s.guild_id, "discordpy-presence-blind")
        self.elsewhere = Setup("dpy-pres-else")
        self.loop = Loop()
        watching = discord.Intents.default()
        watching.members = True
        watching.presences = True
        blind = discord.Intents.default()
        blind.members = True
        blind.presences = False
        self.a, self.a_conn = self.loop.login(self.s.bot_token, watching)
        self.b, self.b_conn = self.loop.login(self.b_token, blind)
        self.c, self.c_conn = self.loop.login(self.elsewhere.bot_token, watching)
        self.leaked = []  # presence updates of the watched user that B or C got
        self.watched = None
        for client in (self.b, self.c):
            async def on_presence_update(before, after):
                if after.id == self.watched:
                    self.leaked.append(str(after.status))
            client.event(on_presence_update)

    def member(self, name):
        """A user registered over REST who joins the guild: (id, token)."""
        _, reg = rest("POST", "/auth/register", body={"username": f"{name}_{secrets.token_hex(4)}",
                                                       "password": "correct horse battery staple"}, want=201)
        _, me = rest("GET", "/users/@me", reg["token"], want=200)
        _, inv = rest("POST", f"/channels/{self.s.channel_id}/invites", self.s.owner, {}, want=200)
        rest("POST", f"/invites/{inv['code']}", reg["token"], want=200)
        return int(me["id"]), reg["token"]


@pytest.fixture(scope="module")
def presence(accord):
    p = Presence()
    yield p
    for client, conn in ((p.a, p.a_conn), (p.b, p.b_conn), (p.c, p.c_conn)):
        p.loop.logout(client, conn)
    p.loop.close()


async def identify(token):
    """Open a raw gateway session for a user and return (http session,
    socket) once READY has arrived."""
    _, gw = rest("GET", "/gateway", want=200)
    http = aiohttp.ClientSession()
    ws = await http.ws_connect(f"{gw['url']}?v=10&encoding=json")
    async with asyncio.timeout(15):
        while True:
            msg = await ws.receive_json()
            if msg["op"] == 10:
                await ws.send_json({"op": 2, "d": {"token": token, "intents": 1,
                                                   "properties": {"os": "linux", "browser": "presence-test", "device": ""}}})
            elif msg.get("t") == "READY":
                return http, ws


def test_presence_online_offline_and_no_leaks(presence):
    """on_presence_update: online at IDENTIFY, offline after the last
    session ends and the grace passes; B and C see neither."""
    p, loop = presence, presence.loop
    uid, token = p.member("dpy-present")
    p.watched = uid
    online = loop.expect(p.a, "presence_update", lambda b, a: a.id == uid and a.status == discord.Status.online)
    http, ws = loop.run(identify(token))
    _, after = online.result()
    assert after.guild.id == p.s.guild_id
    assert p.a.get_guild(p.s.guild_id).get_member(uid).status == discord.Status.online

    offline = loop.expect(p.a, "presence_update", lambda b, a: a.id == uid and a.status == discord.Status.offline)
    closed = time.monotonic()

    async def close():
        await ws.close()
        await http.close()
    loop.run(close())
    offline.result()
    assert time.monotonic() - closed >= 1, "offline came before the grace"

    # Any leak would have reached B and C with A's updates.
    time.sleep(1)
    assert p.leaked == [], "a bot without the presences intent or sharing no guild saw the presence"
