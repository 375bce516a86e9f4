"""discord.py 2.x, unmodified, as a slash-command bot on Accord (issue 15):
an app_commands.CommandTree with options is synced to a guild and
globally with `await tree.sync()`; a user invokes the commands the way
Discord's own client does (POST /interactions); the bot answers through
the library: `interaction.response.send_message(ephemeral=True)` and
`interaction.followup.send`, `response.defer()` (the "thinking" message)
and `edit_original_response` (its completion). Each answer is checked as
the library parses it (type, interaction_metadata) and as the invoking user
and a third user see it: the ephemeral one in nobody's channel history.
"""
import secrets
import threading
import traceback

import discord
import pytest
from discord import app_commands

from bots import Loop, wait_until
from conftest import Setup, rest


class Cmds:
    def __init__(self):
        self.s = Setup("discordpy-cmds")
        self.loop = Loop()
        self.client, self.conn = self.loop.login(self.s.bot_token, discord.Intents.default())
        self.app_id = self.client.application_id
        self.tree = self.loop.call(app_commands.CommandTree, self.client)
        self.seen = []  # (command, interaction token) the bot handled
        self.replies = {}  # command -> the answer's message ID
        self.errors = []
        self.lock = threading.Lock()
        guild = discord.Object(self.s.guild_id)

        @app_commands.command(name="echo", description="Say it back")
        @app_commands.describe(text="What to say", times="How often")
        async def echo(interaction: discord.Interaction, text: str, times: app_commands.Range[int, 1, 3] = 1):
            try:
                await interaction.response.send_message(f"secret {text * times}", ephemeral=True)
                original = await interaction.original_response()
                followup = await interaction.followup.send(f"public {text}", wait=True)
                meta = followup.interaction_metadata
                assert meta is not None and meta.id == interaction.id, meta
                assert meta.user.id == interaction.user.id, meta.user
                assert meta.original_response_message_id == original.id, (meta.original_response_message_id, original.id)
                assert followup.type == discord.MessageType.chat_input_command, followup.type
                assert original.interaction_metadata.original_response_message_id is None
                with self.lock:
                    self.seen.append(("echo", interaction.token, interaction.user.id, interaction.channel_id))
            except Exception as e:  # recorded: the tree would only log it
                self.errors.append(traceback.format_exc())

        @app_commands.command(name="slow", description="Think first")
        async def slow(interaction: discord.Interaction):
            try:
                await interaction.response.defer(thinking=True)
                loading = await interaction.original_response()
                assert loading.flags.loading and loading.content == "", (loading.flags, loading.content)
                msg = await interaction.edit_original_response(content="thought it over")
                assert msg.id == loading.id and not msg.flags.loading, msg.flags
                assert msg.type == discord.MessageType.chat_input_command, msg.type
                assert msg.application_id == self.app_id and msg.webhook_id == self.app_id
                assert msg.author.id == self.client.user.id
                meta = msg.interaction_metadata
                assert meta is not None and meta.id == interaction.id and meta.type == discord.InteractionType.application_command
                assert meta.user.id == interaction.user.id, meta.user
                assert meta.original_response_message_id is None
                with self.lock:
                    self.replies["slow"] = msg.id
                    self.seen.append(("slow", interaction.token, interaction.user.id, interaction.channel_id))
            except Exception as e:
                self.errors.append(traceback.format_exc())

        self.tree.add_command(echo, guild=guild)
        self.tree.add_command(slow)
        self.guild_cmds = self.loop.run(self.tree.sync(guild=guild))
        self.global_cmds = self.loop.run(self.tree.sync())

    def user(self, name):
        _, reg = rest("POST", "/auth/register", body={"username": f"{name}_{secrets.token_hex(4)}",
                                                       "password": "correct horse battery staple"}, want=201)
        _, inv = rest("POST", f"/channels/{self.s.channel_id}/invites", self.s.owner, {}, want=200)
        rest("POST", f"/invites/{inv['code']}", reg["token"], want=200)
        _, me = rest("GET", "/users/@me", reg["token"], want=200)
        return int(me["id"]), reg["token"]

    def invoke(self, token, cmd, options=()):
        return rest("POST", "/interactions", token, {
            "type": 2, "application_id": str(self.app_id), "guild_id": str(self.s.guild_id),
            "channel_id": str(self.s.channel_id), "session_id": "pytest", "nonce": secrets.token_hex(4),
            "data": {"id": str(cmd.id), "name": cmd.name, "type": 1, "options": list(options)}})

    def handled(self, name):
        wait_until(lambda: self.errors or any(s[0] == name for s in self.seen), f"the bot handled /{name}")
        assert not self.errors, self.errors
        with self.lock:
            return next(s for s in self.seen if s[0] == name)

    def history(self, token):
        _, msgs = rest("GET", f"/channels/{self.s.channel_id}/messages?limit=50", token, want=200)
        return [m["content"] for m in msgs]


@pytest.fixture(scope="module")
def cmds(accord):
    c = Cmds()
    yield c
    c.loop.logout(c.client, c.conn)
    c.loop.close()


def test_sync_stores_the_tree(cmds):
    """tree.sync() (guild and global) is a bulk overwrite: the commands come
    back with IDs, options and limits, and a second sync keeps the IDs."""
    [echo] = cmds.guild_cmds
    [slow] = cmds.global_cmds
    assert (echo.name, slow.name) == ("echo", "slow")
    assert [(o.name, o.required) for o in echo.options] == [("text", True), ("times", False)]
    assert (echo.options[1].min_value, echo.options[1].max_value) == (1, 3)
    _, listed = rest("GET", f"/applications/{cmds.app_id}/guilds/{cmds.s.guild_id}/commands",
                     f"Bot {cmds.s.bot_token}", want=200)
    assert [int(c["id"]) for c in listed] == [echo.id]
    again = cmds.loop.run(cmds.tree.sync(guild=discord.Object(cmds.s.guild_id)))
    assert [c.id for c in again] == [echo.id]
    fetched = cmds.loop.run(cmds.tree.fetch_commands())
    assert [c.id for c in fetched] == [slow.id]


def test_ephemeral_reply_and_followup(cmds):
    """A user invokes /echo; the bot's ephemeral reply is readable with the
    interaction's token only, its follow-up is in the channel for all."""
    uid, token = cmds.user("dpy-invoker")
    _, other = cmds.user("dpy-bystander")
    [echo] = cmds.guild_cmds
    status, body = cmds.invoke(token, echo, [{"type": 3, "name": "text", "value": "hi"},
                                             {"type": 4, "name": "times", "value": 2}])
    assert status == 204, body
    _, itoken, who, channel = cmds.handled("echo")
    assert (who, channel) == (uid, cmds.s.channel_id)
    _, original = rest("GET", f"/webhooks/{cmds.app_id}/{itoken}/messages/@original", want=200)
    assert original["content"] == "secret hihi" and original["flags"] & 64, original
    for t in (token, other, cmds.s.owner):
        seen = cmds.history(t)
        assert "public hi" in seen, seen
        assert not [c for c in seen if c.startswith("secret")], seen


def test_defer_then_edit_original(cmds):
    """response.defer() then edit_original_response: the edited response is
    the channel message everyone sees; answering twice is refused."""
    _, token = cmds.user("dpy-thinker")
    [slow] = cmds.global_cmds
    status, body = cmds.invoke(token, slow)
    assert status == 204, body
    _, itoken, who, _ = cmds.handled("slow")
    assert "thought it over" in cmds.history(cmds.s.owner)
    # Another user reads the answer with its interaction metadata.
    _, msg = rest("GET", f"/channels/{cmds.s.channel_id}/messages/{cmds.replies['slow']}", cmds.s.owner, want=200)
    assert msg["type"] == 20 and msg["flags"] & 128 == 0, msg
    assert int(msg["interaction_metadata"]["user"]["id"]) == who, msg
    assert msg["interaction"]["name"] == "slow", msg
    status, body = rest("POST", f"/interactions/0/{itoken}/callback", body={"type": 4, "data": {"content": "x"}})
    assert (status, body["code"]) == (404, 10062), body


def test_another_app_cannot_overwrite(cmds):
    """Another application's bot cannot list or replace these commands."""
    from conftest import add_bot
    _, other_token = add_bot(cmds.s.owner, cmds.s.guild_id, "dpy-other")
    status, body = rest("PUT", f"/applications/{cmds.app_id}/commands", f"Bot {other_token}", [])
    assert (status, body["code"]) == (403, 50001), body
    assert [c.id for c in cmds.loop.run(cmds.tree.fetch_commands())] == [c.id for c in cmds.global_cmds]
