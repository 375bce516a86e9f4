"""discord.py 2.x, unmodified, with Accord's webhooks and message components
(issue 15): a bot with MANAGE_WEBHOOKS creates a webhook with
channel.create_webhook; ``Webhook.from_url(...)`` with an aiohttp session
sends with wait=True (the message is the webhook's), edits and deletes it;
a bot message with a ``discord.ui.View`` of buttons is read back with them;
the deleted webhook's token stops working.

discord.py parses only Discord-shaped webhook URLs in from_url, so the URL
given is discord.com's form of the webhook's id and token; its requests go
to Route.BASE, which point_at_accord aims at Accord (the guard refuses any
other host).
"""
import aiohttp
import discord
import pytest

from bots import Loop
from conftest import Setup, rest

PERMS = discord.Permissions(manage_webhooks=True, view_channel=True, send_messages=True, read_message_history=True).value


@pytest.fixture(scope="module")
def env():
    s = Setup("discordpy-webhooks")
    _, role = rest("POST", f"/guilds/{s.guild_id}/roles", s.owner, {"name": "hooks", "permissions": str(PERMS)}, want=200)
    rest("PUT", f"/guilds/{s.guild_id}/members/{s.bot_id}/roles/{role['id']}", s.owner, want=204)
    loop = Loop()
    intents = discord.Intents.default()
    intents.message_content = True
    client, conn = loop.login(s.bot_token, intents)
    yield s, loop, client
    loop.logout(client, conn)
    loop.close()


def test_webhook_send_edit_delete(env):
    s, loop, client = env
    channel = client.get_channel(s.channel_id)

    async def run():
        wh = await channel.create_webhook(name="Captain Hook")
        assert wh.token
        assert wh.channel_id == s.channel_id
        hooks = await channel.webhooks()
        assert wh.id in [h.id for h in hooks]
        async with aiohttp.ClientSession() as session:
            hook = discord.Webhook.from_url(f"https://discord.com/api/webhooks/{wh.id}/{wh.token}", session=session)
            msg = await hook.send("ahoy", username="Smee", wait=True)
            assert msg.webhook_id == wh.id
            assert msg.author.id == wh.id
            assert msg.author.name == "Smee"
            assert msg.author.bot
            edited = await hook.edit_message(msg.id, content="ahoy, edited")
            assert edited.content == "ahoy, edited"
            fetched = await channel.fetch_message(msg.id)
            assert fetched.content == "ahoy, edited"
            assert fetched.webhook_id == wh.id
            await hook.delete_message(msg.id)
            with pytest.raises(discord.NotFound):
                await channel.fetch_message(msg.id)
            await wh.delete()
            with pytest.raises(discord.NotFound) as gone:
                await hook.send("still there?", wait=True)
            assert gone.value.code == 10015
    loop.run(run())


def test_view_buttons_read_back(env):
    s, loop, client = env
    channel = client.get_channel(s.channel_id)

    async def run():
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="Yes", style=discord.ButtonStyle.success, custom_id="yes"))
        view.add_item(discord.ui.Button(label="Docs", url="https://example.com"))
        sent = await channel.send("pick one", view=view)
        fetched = await channel.fetch_message(sent.id)
        assert len(fetched.components) == 1
        yes, docs = fetched.components[0].children
        assert yes.custom_id == "yes"
        assert yes.style == discord.ButtonStyle.success
        assert docs.url == "https://example.com"
        view.stop()
    loop.run(run())


def test_webhook_executed_with_curl(env, tmp_path):
    """The execute route with plain curl, as a CI job or a shell script
    calls it: JSON with ?wait=true answers the message; a file goes as
    multipart; a wrong token is refused with 50027."""
    import json
    import subprocess

    from conftest import BASE

    s, _, _ = env
    _, wh = rest("POST", f"/channels/{s.channel_id}/webhooks", s.owner, {"name": "curl hook"}, want=200)
    url = f"{BASE}/api/v10/webhooks/{wh['id']}/{wh['token']}"

    def curl(*args):
        out = subprocess.run(["curl", "-sS", "-w", "\n%{http_code}", *args], capture_output=True, text=True, check=True, timeout=30)
        body, _, code = out.stdout.rpartition("\n")
        return int(code), body

    code, body = curl("-H", "Content-Type: application/json", "-d", '{"content": "deployed v1.2", "username": "CI"}', url + "?wait=true")
    msg = json.loads(body)
    assert code == 200 and msg["content"] == "deployed v1.2" and msg["author"]["username"] == "CI", body
    assert msg["webhook_id"] == wh["id"]

    log = tmp_path / "build.log"
    log.write_text("ok\n")
    code, body = curl("-F", 'payload_json={"content": "the log"}', "-F", f"files[0]=@{log};filename=build.log", url + "?wait=true")
    msg = json.loads(body)
    assert code == 200 and msg["attachments"][0]["filename"] == "build.log", body

    code, body = curl("-H", "Content-Type: application/json", "-d", '{"content": "no"}', url + "x")
    assert (code, json.loads(body)["code"]) == (401, 50027), body
    _, history = rest("GET", f"/channels/{s.channel_id}/messages?limit=2", s.owner, want=200)
    assert [m["content"] for m in history] == ["the log", "deployed v1.2"]
