"""Shared setup of the discord.py suite: the Accord server to talk to, a
guard that records (and refuses) every connection that would leave it, and
a REST bootstrap of an owner, a guild and a bot.

ACCORD_URL names a running Accord server (scripts/test-clients starts one).
"""
import json
import os
import secrets
import sys
import urllib.error
import urllib.request

import pytest

BASE = os.environ.get("ACCORD_URL", "").rstrip("/")
ACCORD_HOST = BASE.split("://", 1)[-1].rsplit(":", 1)[0]

# Every host a socket connected to or resolved. The audit hook sees the
# connect of every socket in the process (aiohttp's, asyncio's, urllib's);
# a host other than Accord's is recorded and refused, so a token sent to the
# wrong place fails the test rather than leaving the machine.
hosts = []


def _guard(event, args):
    if event == "socket.connect" and isinstance(args[1], tuple):
        host = str(args[1][0])
    elif event == "socket.getaddrinfo":
        host = str(args[0])
    else:
        return
    hosts.append(host)
    if host != ACCORD_HOST:
        raise ConnectionRefusedError(f"connection to {host!r}: not the Accord server {ACCORD_HOST}")


sys.addaudithook(_guard)

# urllib honours *_proxy variables; the test talks to Accord directly.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def rest(method, path, token=None, body=None, want=None):
    """Call Accord's REST v10 API; return (status, decoded JSON body)."""
    status, _, decoded = rest_full(method, path, token, body, want)
    return status, decoded


def rest_full(method, path, token=None, body=None, want=None):
    """rest, also returning the response headers."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = token
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{BASE}/api/v10{path}", data=data, method=method, headers=headers)
    try:
        with _opener.open(req, timeout=30) as r:
            status, headers, raw = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, headers, raw = e.code, e.headers, e.read()
    decoded = json.loads(raw) if raw else None
    if want is not None and status != want:
        raise AssertionError(f"{method} {path}: status {status}, want {want}: {decoded}")
    return status, headers, decoded


def exhaust_bucket(channel_id, bot_token):
    """Send messages as the bot, outside the library, until the channel's
    message bucket answers 429; check that 429 has Discord's shape (a JSON
    body with retry_after, Retry-After, X-RateLimit-Scope and Via: discord.py
    takes a 429 without Via for a Cloudflare ban and raises) and return it."""
    for i in range(20):
        status, headers, data = rest_full("POST", f"/channels/{channel_id}/messages", f"Bot {bot_token}",
                                          {"content": f"out of band {i}"})
        if status == 429:
            assert headers.get("Content-Type", "").startswith("application/json"), dict(headers)
            assert data["retry_after"] > 0 and data["global"] is False and data["message"], data
            for h in ("Retry-After", "X-RateLimit-Scope", "Via", "X-RateLimit-Bucket"):
                assert headers.get(h), f"the 429 lacks {h}: {dict(headers)}"
            assert headers["X-RateLimit-Scope"] == "user", dict(headers)
            return headers, data
        assert status == 200, (status, data)
    raise AssertionError("20 messages at once and no 429: the channel's message bucket is not limited")


class Setup:
    """What the bootstrap made: an owner, their guild and its first
    channel, and a bot application added to the guild."""

    def __init__(self, name):
        _, reg = rest("POST", "/auth/register", body={"username": f"{name}_{secrets.token_hex(4)}", "password": "correct horse battery staple"}, want=201)
        self.owner = reg["token"]
        _, guild = rest("POST", "/guilds", self.owner, {"name": name}, want=201)
        self.guild_id = int(guild["id"])
        _, channels = rest("GET", f"/guilds/{self.guild_id}/channels", self.owner, want=200)
        self.channel_id = int(next(c["id"] for c in channels if c["type"] == 0))
        self.bot_id, self.bot_token = add_bot(self.owner, self.guild_id, f"{name}-bot")


def add_bot(owner, guild_id, name):
    """Create a bot application of owner's named name, add it to the guild
    and return the bot's (user id, token)."""
    _, bot_id, token = add_bot_app(owner, guild_id, name)
    return bot_id, token


def add_bot_app(owner, guild_id, name):
    """add_bot, also returning the application's id first."""
    _, app = rest("POST", "/applications", owner, {"name": name}, want=201)
    _, tok = rest("POST", f"/applications/{app['id']}/bot/reset-token", owner, want=200)
    authorize(owner, app["id"], guild_id)
    return int(app["id"]), int(app["bot"]["id"]), tok["token"]


def authorize(owner, app_id, guild_id):
    """Add the bot of owner's application app_id to one more guild."""
    rest("POST", f"/oauth2/authorize?client_id={app_id}&scope=bot&permissions=0", owner,
         {"guild_id": str(guild_id), "authorize": True}, want=200)


@pytest.fixture(scope="session")
def accord():
    if not BASE:
        pytest.fail("ACCORD_URL is not set: run scripts/test-clients, or start `accord serve` and export ACCORD_URL")
    return Setup("discordpy")
