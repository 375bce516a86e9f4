"""discord.py 2.x, unmodified, with files and reactions (issue 13): the bot
uploads a PNG it draws and random bytes, reads both back byte-identical
from the signed CDN URLs Accord hands out (Attachment.read, the library's
own CDN fetch), edits a message down to one file, reacts and sees the raw
reaction events, and meets Accord's refusals (a tampered or expired URL,
an eleventh file, an emoji that is none) as Discord's errors.
scripts/test-clients runs it on the fs blob store and, with
ACCORD_CLIENT_BLOB, on S3.
"""
import asyncio
import io
import os
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib

import discord
import pytest
from discord.http import Route

from accord_discordpy import point_at_accord
from conftest import ACCORD_HOST, BASE, Setup, hosts, rest

# Odd and not square, so a swapped or rounded width/height shows.
WIDTH, HEIGHT = 37, 23

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def png(width, height):
    """A width×height 8-bit RGB gradient as a PNG file."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    raw = b"".join(b"\x00" + bytes(v for x in range(width) for v in ((x * 7) & 0xFF, (y * 11) & 0xFF, (x * y) & 0xFF))
                   for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def binary(n):
    """n random bytes no sniffer takes for a known type: a NUL first."""
    return b"\x00\xff" + os.urandom(n - 2)


def cdn(url):
    """GET url outside the library: (status, Content-Type, body)."""
    try:
        with _opener.open(urllib.request.Request(url), timeout=30) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


def with_query(url, **params):
    """url with its query parameters replaced by params (None drops one)."""
    u = urllib.parse.urlsplit(url)
    q = dict(urllib.parse.parse_qsl(u.query))
    for k, v in params.items():
        if v is None:
            q.pop(k, None)
        else:
            q[k] = v
    return urllib.parse.urlunsplit(u._replace(query=urllib.parse.urlencode(q)))


def query(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


async def check_served(att, want, content_type):
    """att's URL is a signed CDN URL on Accord whose bytes, read by
    discord.py itself, are exactly want, served as content_type."""
    assert att.url.startswith(BASE + "/attachments/"), att.url
    assert {"ex", "is", "hm"} <= set(query(att.url)), att.url
    assert await att.read() == want, f"{att.url}: the bytes differ from the {len(want)} uploaded"
    status, ctype, body = await asyncio.to_thread(cdn, att.proxy_url)
    assert (status, ctype, body == want) == (200, content_type, True), (att.proxy_url, status, ctype)


async def eventually(seconds, what, fn):
    """Poll fn (true when done) every 100 ms for up to seconds."""
    deadline = time.monotonic() + seconds
    while not await fn():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        await asyncio.sleep(0.1)


class Bot:
    """One discord.py client logged in as the suite's bot for the whole
    module (a login per test would wait out the identify pacing each
    time), on an event loop of its own thread; call runs a coroutine
    there. It records raw reaction events."""

    def __init__(self, setup):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="discord.py", daemon=True)
        self.thread.start()
        self.events = []
        self.client = None
        self.conn = None
        try:
            self.channel = self.call(self._start(setup))
        except BaseException:
            self.close()
            raise

    def call(self, coro, timeout=120):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _start(self, setup):
        point_at_accord(BASE)
        self.client = client = discord.Client(intents=discord.Intents.default())  # guild_reactions among them

        @client.event
        async def on_raw_reaction_add(p):
            self.events.append(("add", p.message_id, p.user_id, p.emoji.name))

        @client.event
        async def on_raw_reaction_remove(p):
            self.events.append(("remove", p.message_id, p.user_id, p.emoji.name))

        await client.login(setup.bot_token)
        self.conn = asyncio.create_task(client.connect(reconnect=False))
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({self.conn, ready}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        assert ready in done, f"no READY within 30 s (connect ended: {self.conn in done and self.conn.exception()!r})"
        return client.get_channel(setup.channel_id) or await client.fetch_channel(setup.channel_id)

    async def _stop(self):
        if self.client is not None:
            await self.client.close()
        if self.conn is not None:
            await asyncio.wait({self.conn}, timeout=10)

    def close(self):
        try:
            self.call(self._stop(), timeout=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


class Media(Setup):
    def __init__(self):
        super().__init__("discordpy-media")
        _, me = rest("GET", "/users/@me", self.owner, want=200)
        self.owner_id = int(me["id"])


@pytest.fixture(scope="module")
def media():
    if not BASE:
        pytest.fail("ACCORD_URL is not set: run scripts/test-clients, or start `accord serve` and export ACCORD_URL")
    return Media()


@pytest.fixture(scope="module")
def bot(media):
    b = Bot(media)
    yield b
    b.close()


def run(bot, body):
    """Run body(client, channel, events) on the bot's loop."""
    return bot.call(body(bot.client, bot.channel, bot.events))


def test_image_and_binary_read_back_from_the_cdn(media, bot):
    """An image and a binary in one message: Attachment.read() returns
    exactly the uploaded bytes, the image has its width and height, and
    content_type comes from the bytes (discord.py claims
    application/octet-stream for every file, and names the noise .png)."""
    hosts.clear()
    image, noise = png(WIDTH, HEIGHT), binary(70001)

    async def body(client, channel, _):
        msg = await channel.send("two files", files=[discord.File(io.BytesIO(image), "gradient.png"),
                                                     discord.File(io.BytesIO(noise), "noise.png")])
        assert msg.content == "two files"
        by_name = {a.filename: a for a in msg.attachments}
        assert set(by_name) == {"gradient.png", "noise.png"}, by_name
        img, bin_ = by_name["gradient.png"], by_name["noise.png"]
        assert (img.content_type, img.width, img.height, img.size) == ("image/png", WIDTH, HEIGHT, len(image))
        assert (bin_.content_type, bin_.width, bin_.height, bin_.size) == ("application/octet-stream", None, None, len(noise)), \
            "the .png name or the claimed type was trusted"
        await check_served(img, image, "image/png")
        await check_served(bin_, noise, "application/octet-stream")
        return msg

    msg = run(bot, body)
    # Another reader, the owner over REST, sees the same files.
    _, read = rest("GET", f"/channels/{media.channel_id}/messages/{msg.id}", media.owner, want=200)
    assert sorted((a["id"], a["filename"], a["size"]) for a in read["attachments"]) == \
        sorted((str(a.id), a.filename, a.size) for a in msg.attachments)
    assert set(hosts) == {ACCORD_HOST}, f"connections left Accord: {sorted(set(hosts))}"


def test_file_only_messages(media, bot):
    """A message of files alone (no content) is valid, each file typed by
    its bytes and served as sent."""
    image, noise = png(WIDTH, HEIGHT), binary(4096)

    async def body(_client, channel, _):
        one = await channel.send(file=discord.File(io.BytesIO(image), "alone.png"))
        assert one.content == "" and len(one.attachments) == 1
        await check_served(one.attachments[0], image, "image/png")
        two = await channel.send(files=[discord.File(io.BytesIO(noise), "noise.bin"), discord.File(io.BytesIO(image), "again.png")])
        assert two.content == ""
        assert [(a.filename, a.content_type) for a in two.attachments] == [("noise.bin", "application/octet-stream"), ("again.png", "image/png")]
        await check_served(two.attachments[0], noise, "application/octet-stream")
        await check_served(two.attachments[1], image, "image/png")

    run(bot, body)


def test_edit_keeps_one_attachment_and_removes_the_other(media, bot):
    """Message.edit(attachments=[kept]) keeps that file and drops the
    other, whose blob is deleted: its still-signed URL answers 404."""
    image, noise = png(WIDTH, HEIGHT), binary(2048)

    async def body(_client, channel, _):
        msg = await channel.send("to edit", files=[discord.File(io.BytesIO(image), "keep.png"), discord.File(io.BytesIO(noise), "drop.bin")])
        keep = next(a for a in msg.attachments if a.filename == "keep.png")
        drop = next(a for a in msg.attachments if a.filename == "drop.bin")
        await check_served(drop, noise, "application/octet-stream")
        edited = await msg.edit(content="edited", attachments=[keep])
        assert edited.content == "edited"
        assert [a.id for a in edited.attachments] == [keep.id]
        await check_served(edited.attachments[0], image, "image/png")

        async def gone():
            try:
                await drop.read()
            except discord.NotFound:
                return True
            return False
        await eventually(10, f"the removed attachment {drop.url} is still served", gone)
        return msg, keep

    msg, keep = run(bot, body)
    _, read = rest("GET", f"/channels/{media.channel_id}/messages/{msg.id}", media.owner, want=200)
    assert [a["id"] for a in read["attachments"]] == [str(keep.id)]


def test_reactions_and_their_events(media, bot):
    """add_reaction and remove_reaction through discord.py; the bot gets
    raw REACTION_ADD/REMOVE for its own reactions and the owner's; the
    message then shows the counts; no emoji at all is 10014."""
    async def body(client, channel, events):
        msg = await channel.send("react to me")
        await msg.add_reaction("🔥")
        await msg.add_reaction("👍")
        await asyncio.to_thread(rest, "PUT", f"/channels/{media.channel_id}/messages/{msg.id}/reactions/"
                                + urllib.parse.quote("🔥") + "/@me", media.owner, None, 204)
        await msg.remove_reaction("👍", client.user)
        want = {("add", msg.id, media.bot_id, "🔥"), ("add", msg.id, media.bot_id, "👍"),
                ("add", msg.id, media.owner_id, "🔥"), ("remove", msg.id, media.bot_id, "👍")}

        async def arrived():
            return want <= set(events)
        await eventually(10, f"reaction events {events}", arrived)

        fetched = await channel.fetch_message(msg.id)
        assert [(str(r.emoji), r.count, r.me) for r in fetched.reactions] == [("🔥", 2, True)], fetched.reactions
        users = sorted([u.id async for u in fetched.reactions[0].users()])
        assert users == sorted([media.bot_id, media.owner_id])

        with pytest.raises(discord.HTTPException) as exc:
            await msg.add_reaction("notanemoji")
        assert (exc.value.status, exc.value.code) == (400, 10014), exc.value

    run(bot, body)


def test_signed_urls_tampered_and_expired(media, bot):
    """A tampered hm, an ex pushed later, a signature moved to another file
    and an unsigned URL are all 404; once the URL's ex has passed it is 404
    too, and POST /attachments/refresh-urls (through discord.py's HTTP
    client) re-signs it, leaving a tampered URL out."""
    image = png(WIDTH, HEIGHT)

    async def body(client, channel, _):
        msg = await channel.send(files=[discord.File(io.BytesIO(image), "signed.png"), discord.File(io.BytesIO(binary(64)), "other.bin")])
        att = next(a for a in msg.attachments if a.filename == "signed.png")
        other = next(a for a in msg.attachments if a.filename == "other.bin")
        await check_served(att, image, "image/png")
        q = query(att.url)
        hm = q["hm"]
        # The control: the URL rebuilt with its own values is served, so
        # a 404 below comes from the changed value.
        assert await client.http.get_from_cdn(with_query(att.url, hm=hm)) == image
        tampered = with_query(att.url, hm=hm[:-1] + ("1" if hm.endswith("0") else "0"))
        later = with_query(att.url, ex=format(int(q["ex"], 16) + 3600, "x"))
        moved = other.url.split("?")[0] + "?" + att.url.split("?")[1]
        unsigned = att.url.split("?")[0]
        for name, url in (("tampered hm", tampered), ("ex pushed later", later), ("moved signature", moved), ("unsigned", unsigned)):
            with pytest.raises(discord.NotFound):
                await client.http.get_from_cdn(url)
            status, _, _ = await asyncio.to_thread(cdn, url)
            assert status == 404, f"{name}: {url} answered {status}"

        ex = int(q["ex"], 16)
        ttl = ex - int(q["is"], 16)
        assert 0 < ttl <= 120, f"the URLs last {ttl} s: serve with --blob-url-ttl of at most 2m (scripts/test-clients does)"
        await asyncio.sleep(max(0.0, ex + 1 - time.time()))
        with pytest.raises(discord.NotFound):
            await att.read()
        status, _, _ = await asyncio.to_thread(cdn, att.url)
        assert status == 404, f"an expired URL answered {status}"

        got = await client.http.request(Route("POST", "/attachments/refresh-urls"),
                                        json={"attachment_urls": [att.url, tampered]})
        refreshed = got["refreshed_urls"]
        assert [r["original"] for r in refreshed] == [att.url], f"{refreshed}: the tampered URL must be left out"
        fresh = refreshed[0]["refreshed"]
        assert fresh.split("?")[0] == att.url.split("?")[0]
        assert int(query(fresh)["ex"], 16) > time.time()
        assert await client.http.get_from_cdn(fresh) == image

    run(bot, body)


def test_eleven_files_are_refused(media, bot):
    """Eleven files: discord.py raises Discord's 50035 naming files, and no
    message is posted; ten are fine."""
    files = lambda n: [discord.File(io.BytesIO(binary(16)), f"f{i}.bin") for i in range(n)]  # noqa: E731

    async def body(_client, channel, _):
        _, (before,) = await asyncio.to_thread(rest, "GET", f"/channels/{media.channel_id}/messages?limit=1", media.owner, None, 200)
        with pytest.raises(discord.HTTPException) as exc:
            await channel.send("eleven files", files=files(11))
        assert (exc.value.status, exc.value.code) == (400, 50035), exc.value
        assert "files" in exc.value.text, exc.value.text
        _, (last,) = await asyncio.to_thread(rest, "GET", f"/channels/{media.channel_id}/messages?limit=1", media.owner, None, 200)
        assert last["id"] == before["id"], "a message was posted for the refused upload"
        ten = await channel.send(files=files(10))
        assert len(ten.attachments) == 10

    run(bot, body)
