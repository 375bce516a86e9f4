"""discord.py 2.x, unmodified, using threads and forums on Accord (issue 16):
bot A creates threads from a message and without one, a private thread,
a forum post with its first message, and lists archived threads; bot B, a
second library client, gets on_thread_create for the public ones, joins
and leaves, and must not reach the private thread until A adds it.
"""
import discord
import pytest

from bots import Loop, raises
from conftest import Setup, add_bot, rest

# A manages threads and channels besides @everyone's permissions (which
# include creating and posting in threads).
THREAD_PERMS = discord.Permissions(manage_threads=True, manage_channels=True).value


class Threads:
    def __init__(self):
        self.s = Setup("discordpy-threads")
        _, roles = rest("GET", f"/guilds/{self.s.guild_id}/roles", self.s.owner, want=200)
        everyone = int(next(r["permissions"] for r in roles if int(r["id"]) == self.s.guild_id))
        _, role = rest("POST", f"/guilds/{self.s.guild_id}/roles", self.s.owner,
                       {"name": "threads", "permissions": str(everyone | THREAD_PERMS)}, want=200)
        rest("PUT", f"/guilds/{self.s.guild_id}/members/{self.s.bot_id}/roles/{role['id']}", self.s.owner, want=204)
        self.b_id, self.b_token = add_bot(self.s.owner, self.s.guild_id, "discordpy-threads-member")
        self.loop = Loop()
        intents = discord.Intents.default()
        intents.message_content = True
        self.a, self.a_conn = self.loop.login(self.s.bot_token, intents)
        self.b, self.b_conn = self.loop.login(self.b_token, intents)
        self.b_created = []  # thread IDs B saw in on_thread_create

        async def on_thread_create(thread):
            self.b_created.append(thread.id)
        self.b.event(on_thread_create)

    def channel(self, client):
        return client.get_channel(self.s.channel_id)


@pytest.fixture(scope="module")
def th(accord):
    t = Threads()
    yield t
    t.loop.logout(t.a, t.a_conn)
    t.loop.logout(t.b, t.b_conn)
    t.loop.close()


def test_threads_from_a_message_and_without_one(th):
    """create_thread on a message and on a channel, on_thread_create for B,
    join/leave, a message in the thread, archived threads."""
    loop = th.loop
    channel = th.channel(th.a)
    msg = loop.run(channel.send("shall we plan the launch?"))
    created = loop.expect(th.b, "thread_create", lambda t: t.id == msg.id)
    thread = loop.run(msg.create_thread(name="launch", auto_archive_duration=60))
    assert (thread.id, thread.parent_id, thread.owner_id) == (msg.id, th.s.channel_id, th.s.bot_id)
    assert thread.auto_archive_duration == 60
    b_thread = created.result()
    assert b_thread.name == "launch"

    got = loop.expect(th.a, "message", lambda m: m.channel.id == thread.id)
    loop.run(b_thread.join())
    loop.run(b_thread.send("count me in"))
    assert got.result().content == "count me in"
    members = loop.run(thread.fetch_members())
    assert sorted(m.id for m in members) == sorted([th.s.bot_id, th.b_id])
    loop.run(b_thread.leave())
    assert [m.id for m in loop.run(thread.fetch_members())] == [th.s.bot_id]

    announced = loop.expect(th.b, "message", lambda m: m.type == discord.MessageType.thread_created)
    plain = loop.run(channel.create_thread(name="plain", type=discord.ChannelType.public_thread))
    assert plain.type == discord.ChannelType.public_thread
    note = announced.result()  # THREAD_CREATED in the parent, naming the thread
    assert (note.channel.id, note.content, note.reference.channel_id) == (th.s.channel_id, "plain", plain.id)
    active = loop.run(th.a.get_guild(th.s.guild_id).active_threads())
    assert {thread.id, plain.id} <= {t.id for t in active}

    loop.run(plain.edit(archived=True))

    async def archived():
        return [t.id async for t in channel.archived_threads()]
    assert plain.id in loop.run(archived())


def test_private_thread_is_refused_to_non_members(th):
    """B gets no on_thread_create for a private thread and cannot fetch it
    (50001) until A adds it (on_thread_join)."""
    loop = th.loop
    channel = th.channel(th.a)
    secret = loop.run(channel.create_thread(name="secret", type=discord.ChannelType.private_thread, invitable=False))
    loop.run(secret.send("members only"))
    marker = loop.expect(th.b, "message", lambda m: m.content == "after the secret")
    loop.run(channel.send("after the secret"))
    marker.result()
    assert secret.id not in th.b_created
    raises(loop, th.b.fetch_channel(secret.id), discord.Forbidden, 50001, 403)

    async def b_private():
        return [t async for t in th.channel(th.b).archived_threads(private=True)]
    raises(loop, b_private(), discord.Forbidden, 50013, 403)

    # Added to a thread it did not see, B gets THREAD_CREATE without
    # newly_created, which discord.py reports as on_thread_join.
    added = loop.expect(th.b, "thread_join", lambda t: t.id == secret.id)
    loop.run(secret.add_user(discord.Object(th.b_id)))
    added.result()
    b_secret = loop.run(th.b.fetch_channel(secret.id))

    async def history():
        return [m.content async for m in b_secret.history(limit=10)]
    assert loop.run(history()) == ["members only"]


def test_forum_post_with_content(th):
    """ForumChannel.create_thread with content and applied tags; the post's
    first message has its ID; sending into the forum itself is 50008."""
    loop = th.loop
    g = th.a.get_guild(th.s.guild_id)
    forum = loop.run(g.create_forum(name="help", available_tags=[discord.ForumTag(name="bug"), discord.ForumTag(name="idea")]))
    assert forum.type == discord.ChannelType.forum
    assert [t.name for t in forum.available_tags] == ["bug", "idea"]
    bug = forum.available_tags[0]
    created = loop.expect(th.b, "thread_create", lambda t: t.parent_id == forum.id)
    post = loop.run(forum.create_thread(name="it crashes", content="on start", applied_tags=[bug]))
    assert post.thread.parent_id == forum.id
    assert post.message.id == post.thread.id
    assert post.message.content == "on start"
    assert [t.id for t in post.thread.applied_tags] == [bug.id]
    created.result()
    status, body = rest("POST", f"/channels/{forum.id}/messages", f"Bot {th.s.bot_token}", {"content": "no"})
    assert (status, body["code"]) == (400, 50008), body
