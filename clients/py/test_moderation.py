"""discord.py 2.x, unmodified, moderating a guild on Accord (issue 16): bot A
holds a moderator role and bans (one, and in bulk), times out, sets
slowmode and bulk-deletes through the library, with reasons that the audit
log then shows; it receives on_member_ban/on_member_unban,
on_raw_bulk_message_delete and on_audit_log_entry_create. Bot B, a second
library client without those permissions, is the member who is timed out
and is refused what a moderator may do; users made over REST are the ones
banned (an invite join is a user's) and the non-bot that slowmode holds
back (bots bypass slowmode on Discord today).
"""
import datetime
import secrets
import time

import discord
import pytest

from bots import Loop, raises
from conftest import Setup, add_bot, rest, rest_full

# Permission bits of A's moderator role, besides @everyone's.
MOD_PERMS = (discord.Permissions(ban_members=True, manage_guild=True, manage_channels=True, manage_messages=True,
                                 moderate_members=True, view_audit_log=True)).value


class Mod:
    """The shared setup: the owner's guild, A (moderator) and B logged in."""

    def __init__(self):
        self.s = Setup("discordpy-mod")
        _, me = rest("GET", "/users/@me", self.s.owner, want=200)
        self.owner_id = int(me["id"])
        _, roles = rest("GET", f"/guilds/{self.s.guild_id}/roles", self.s.owner, want=200)
        everyone = int(next(r["permissions"] for r in roles if int(r["id"]) == self.s.guild_id))
        _, role = rest("POST", f"/guilds/{self.s.guild_id}/roles", self.s.owner,
                       {"name": "mod", "permissions": str(everyone | MOD_PERMS)}, want=200)
        rest("PUT", f"/guilds/{self.s.guild_id}/members/{self.s.bot_id}/roles/{role['id']}", self.s.owner, want=204)
        self.b_id, self.b_token = add_bot(self.s.owner, self.s.guild_id, "discordpy-mod-member")
        self.loop = Loop()
        intents = discord.Intents.default()  # moderation (bans) and guild_messages among them
        intents.message_content = True
        self.a, self.a_conn = self.loop.login(self.s.bot_token, intents)
        self.b, self.b_conn = self.loop.login(self.b_token, intents)
        self.audit = []  # on_audit_log_entry_create entries A got

        async def on_audit_log_entry_create(entry):
            self.audit.append(entry)
        self.a.event(on_audit_log_entry_create)
        # Moderation events B got: it lacks BAN_MEMBERS and VIEW_AUDIT_LOG,
        # so it must get none.
        self.b_events = []
        for name in ("on_member_ban", "on_member_unban", "on_audit_log_entry_create"):
            async def record(*_, name=name):
                self.b_events.append(name)
            record.__name__ = name
            self.b.event(record)

    def guild(self):
        return self.a.get_guild(self.s.guild_id)

    def b_guild(self):
        return self.b.get_guild(self.s.guild_id)

    def user(self, name):
        """A user registered over REST: (id, token)."""
        _, reg = rest("POST", "/auth/register", body={"username": f"{name}_{secrets.token_hex(4)}",
                                                       "password": "correct horse battery staple"}, want=201)
        _, me = rest("GET", "/users/@me", reg["token"], want=200)
        return int(me["id"]), reg["token"]

    def join(self, token):
        """The user accepts a fresh invite: (status, body)."""
        _, inv = rest("POST", f"/channels/{self.s.channel_id}/invites", self.s.owner, {}, want=200)
        return rest("POST", f"/invites/{inv['code']}", token)

    def member(self, name):
        uid, token = self.user(name)
        status, body = self.join(token)
        assert status == 200, body
        return uid, token

    def expect_audit(self, action, target_id):
        return self.loop.expect(self.a, "audit_log_entry_create",
                                lambda e: e.action == action and e._target_id == target_id)


@pytest.fixture(scope="module")
def mod(accord):
    m = Mod()
    yield m
    m.loop.logout(m.a, m.a_conn)
    m.loop.logout(m.b, m.b_conn)
    m.loop.close()


def test_ban_unban_and_a_refused_invite_join(mod):
    """guild.ban with a reason deletes the user's recent messages, fires
    on_member_ban and the audit entry; guild.bans() and fetch_ban list it;
    the banned user's invite join is 40007; guild.unban lifts it."""
    loop, g = mod.loop, mod.guild()
    victim, token = mod.member("dpy-banned")
    _, spam = rest("POST", f"/channels/{mod.s.channel_id}/messages", token, {"content": "spam"}, want=200)

    banned = loop.expect(mod.a, "member_ban", lambda guild, u: u.id == victim)
    deleted = loop.expect(mod.a, "raw_message_delete", lambda p: p.message_id == int(spam["id"]))
    logged = mod.expect_audit(discord.AuditLogAction.ban, victim)
    loop.run(g.ban(discord.Object(victim), reason="spamming links", delete_message_seconds=3600))
    guild, _ = banned.result()
    assert guild.id == mod.s.guild_id
    deleted.result()
    entry = logged.result()
    assert (entry.reason, entry.user_id) == ("spamming links", mod.s.bot_id)
    rest("GET", f"/channels/{mod.s.channel_id}/messages/{spam['id']}", mod.s.owner, want=404)

    async def bans():
        return [(b.user.id, b.reason) async for b in g.bans()]
    assert loop.run(bans()) == [(victim, "spamming links")]
    assert loop.run(g.fetch_ban(discord.Object(victim))).reason == "spamming links"

    status, body = mod.join(token)
    assert (status, body["code"]) == (403, 40007), body
    rest("GET", f"/guilds/{mod.s.guild_id}/members/{victim}", mod.s.owner, want=404)

    # B lacks BAN_MEMBERS: it can neither list nor lift the ban.
    async def b_bans():
        return [b async for b in mod.b_guild().bans()]
    raises(loop, b_bans(), discord.Forbidden, 50013, 403)
    raises(loop, mod.b_guild().unban(discord.Object(victim)), discord.Forbidden, 50013, 403)

    unbanned = loop.expect(mod.a, "member_unban", lambda guild, u: u.id == victim)
    logged = mod.expect_audit(discord.AuditLogAction.unban, victim)
    loop.run(g.unban(discord.Object(victim), reason="appeal accepted"))
    unbanned.result()
    assert logged.result().reason == "appeal accepted"
    raises(loop, g.fetch_ban(discord.Object(victim)), discord.NotFound, 10026, 404)
    assert mod.join(token)[0] == 200, "the unbanned user cannot join"


def test_hierarchy_and_bulk_ban(mod):
    """The moderator cannot ban the owner (50013); guild.bulk_ban bans the
    others and reports the owner failed."""
    loop, g = mod.loop, mod.guild()
    raises(loop, g.ban(discord.Object(mod.owner_id), reason="coup"), discord.Forbidden, 50013, 403)
    rest("GET", f"/guilds/{mod.s.guild_id}/members/{mod.owner_id}", mod.s.owner, want=200)

    u1, _ = mod.member("dpy-bulk1")
    u2, _ = mod.member("dpy-bulk2")
    logged = [mod.expect_audit(discord.AuditLogAction.ban, u) for u in (u1, u2)]
    res = loop.run(g.bulk_ban([discord.Object(u1), discord.Object(u2), discord.Object(mod.owner_id)],
                              reason="raid", delete_message_seconds=0))
    assert sorted(o.id for o in res.banned) == sorted([u1, u2])
    assert [o.id for o in res.failed] == [mod.owner_id]
    assert [w.result().reason for w in logged] == ["raid", "raid"]
    raises(loop, mod.b_guild().bulk_ban([discord.Object(u1)]), discord.Forbidden, 50013, 403)


def test_timeout_refuses_send_and_reaction_until_lifted(mod):
    """member.timeout: B's send and reaction raise Forbidden 50013 until
    the timeout is removed; both are logged with their reasons."""
    loop, g = mod.loop, mod.guild()
    target = loop.run(g.fetch_member(mod.b_id))
    b_channel = mod.b.get_channel(mod.s.channel_id)
    _, msg = rest("POST", f"/channels/{mod.s.channel_id}/messages", mod.s.owner, {"content": "react to me"}, want=200)
    b_msg = loop.run(b_channel.fetch_message(int(msg["id"])))

    raises(loop, target.timeout(datetime.timedelta(days=29)), discord.HTTPException, 50035, 400)
    logged = mod.expect_audit(discord.AuditLogAction.member_update, mod.b_id)
    loop.run(target.timeout(datetime.timedelta(hours=1), reason="cooling off"))
    entry = logged.result()
    assert entry.reason == "cooling off"
    assert entry.after.timed_out_until is not None, entry.changes
    assert loop.run(g.fetch_member(mod.b_id)).is_timed_out()

    raises(loop, b_channel.send("let me speak"), discord.Forbidden, 50013, 403)
    raises(loop, b_msg.add_reaction("🔥"), discord.Forbidden, 50013, 403)
    # B cannot time A out.
    a_as_b = loop.run(mod.b_guild().fetch_member(mod.s.bot_id))
    raises(loop, a_as_b.timeout(datetime.timedelta(minutes=1)), discord.Forbidden, 50013, 403)

    logged = mod.expect_audit(discord.AuditLogAction.member_update, mod.b_id)
    loop.run(target.timeout(None, reason="served"))
    assert logged.result().reason == "served"
    sent = loop.run(b_channel.send("thank you"))
    assert sent.author.id == mod.b_id
    loop.run(b_msg.add_reaction("🔥"))
    _, users = rest("GET", f"/channels/{mod.s.channel_id}/messages/{msg['id']}/reactions/%F0%9F%94%A5", mod.s.owner, want=200)
    assert [int(u["id"]) for u in users] == [mod.b_id]


def test_slowmode_refuses_a_users_second_message(mod):
    """channel.edit(slowmode_delay=2): a user's second message in the
    window is 429 code 20016 with retry_after, accepted after it; the bot
    bypasses it."""
    loop = mod.loop
    uid, token = mod.member("dpy-slow")
    channel = mod.a.get_channel(mod.s.channel_id)
    logged = mod.expect_audit(discord.AuditLogAction.channel_update, mod.s.channel_id)
    loop.run(channel.edit(slowmode_delay=2, reason="calm down"))
    entry = logged.result()
    assert entry.reason == "calm down"
    assert entry.after.slowmode_delay == 2, entry.changes
    raises(loop, mod.b.get_channel(mod.s.channel_id).edit(slowmode_delay=0), discord.Forbidden, 50013, 403)

    def post(content):
        status, _, body = rest_full("POST", f"/channels/{mod.s.channel_id}/messages", token, {"content": content})
        return status, body
    assert post("first")[0] == 200
    status, body = post("second")
    assert (status, body["code"]) == (429, 20016), body
    assert 0 < body["retry_after"] <= 2, body
    # The bot is not held back.
    loop.run(channel.send("bot one"))
    loop.run(channel.send("bot two"))
    time.sleep(body["retry_after"] + 0.1)
    status, body = post("after the window")
    assert status == 200, body
    loop.run(channel.edit(slowmode_delay=0, reason="calm again"))


def test_bulk_delete_and_purge(mod):
    """delete_messages and purge remove messages with one
    on_raw_bulk_message_delete each, logged with the reason; B may not."""
    loop = mod.loop
    channel = mod.a.get_channel(mod.s.channel_id)
    sent = [loop.run(channel.send(f"bulk {i}")) for i in range(3)]
    ids = {m.id for m in sent}
    raises(loop, mod.b.get_channel(mod.s.channel_id).delete_messages([discord.Object(i) for i in ids]),
           discord.Forbidden, 50013, 403)
    bulk = loop.expect(mod.a, "raw_bulk_message_delete", lambda p: p.channel_id == mod.s.channel_id)
    logged = mod.expect_audit(discord.AuditLogAction.message_bulk_delete, mod.s.channel_id)
    loop.run(channel.delete_messages(sent, reason="cleanup"))
    assert bulk.result().message_ids == ids
    entry = logged.result()
    assert (entry.reason, entry.extra.count) == ("cleanup", 3)
    _, left = rest("GET", f"/channels/{mod.s.channel_id}/messages?limit=100", mod.s.owner, want=200)
    assert not ids & {int(m["id"]) for m in left}, "a bulk-deleted message survived"

    more = {loop.run(channel.send(f"purge {i}")).id for i in range(2)}
    bulk = loop.expect(mod.a, "raw_bulk_message_delete", lambda p: p.message_ids == more)
    logged = mod.expect_audit(discord.AuditLogAction.message_bulk_delete, mod.s.channel_id)
    purged = loop.run(channel.purge(limit=10, check=lambda m: m.id in more, reason="purge"))
    assert {m.id for m in purged} == more
    bulk.result()
    assert logged.result().reason == "purge"


def test_audit_log_lists_every_action_with_its_reason(mod):
    """guild.audit_logs returns the actions above with their reasons and
    filters by action and user; B without VIEW_AUDIT_LOG may not read it."""
    loop, g = mod.loop, mod.guild()

    async def entries(**kw):
        return [e async for e in g.audit_logs(limit=100, **kw)]
    got = loop.run(entries())

    def reasons(action):
        return [e.reason for e in got if e.action == action]
    A = discord.AuditLogAction
    assert "spamming links" in reasons(A.ban)
    assert reasons(A.ban).count("raid") == 2
    assert reasons(A.unban) == ["appeal accepted"]
    assert {"cooling off", "served"} <= set(reasons(A.member_update))
    assert {"calm down", "calm again"} <= set(reasons(A.channel_update))
    assert sorted(reasons(A.message_bulk_delete)) == ["cleanup", "purge"]
    moderation = {A.ban, A.unban, A.member_update, A.channel_update, A.message_bulk_delete}
    for e in got:
        if e.action in moderation:
            assert e.user_id == mod.s.bot_id, (e.id, e.action)
            assert any(ev.id == e.id for ev in mod.audit), f"no on_audit_log_entry_create for {e.id} ({e.action})"
    assert [e.reason for e in loop.run(entries(action=A.unban))] == ["appeal accepted"]
    assert all(e.user_id == mod.owner_id for e in loop.run(entries(user=discord.Object(mod.owner_id))))

    # One session's events arrive in order: once B has a message posted
    # after every action, a moderation event for B would have come first.
    marker = loop.expect(mod.b, "message", lambda m: m.content == "after the audit log")
    rest("POST", f"/channels/{mod.s.channel_id}/messages", mod.s.owner, {"content": "after the audit log"}, want=200)
    marker.result()
    assert mod.b_events == [], f"B, without BAN_MEMBERS or VIEW_AUDIT_LOG, got {mod.b_events}"

    async def b_entries():
        return [e async for e in mod.b_guild().audit_logs()]
    raises(loop, b_entries(), discord.Forbidden, 50013, 403)
