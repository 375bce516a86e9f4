"""discord.py 2.x, unmodified, and HTTP interactions (issue 15): the
application object it reads (`await client.application_info()`) carries the
hex Ed25519 `verify_key`, and PATCH /applications/@me with an endpoint
that does not check signatures is refused with 50035: Accord sends it a
forged PING, signed headers and all, that it must refuse with 401.
The PATCH goes through the REST helper: discord.py 2.7.1's
`AppInfo.edit(interactions_endpoint_url=...)` never sends the field (its
HTTPClient.edit_application_info filters the payload on the key
'interactions_endpoint_url ', with a trailing space). discord.py runs no
HTTP endpoint itself and Python has no Ed25519 in its standard library: the
signed delivery is covered by the discord.js and discordgo suites.
"""
import http.server
import json
import threading

import discord

from bots import Loop
from conftest import Setup, rest_full


class Lax(http.server.BaseHTTPRequestHandler):
    """An endpoint that answers every PING without checking its signature."""
    seen = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Lax.seen.append((dict(self.headers), json.loads(body)))
        out = b'{"type":1}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


def test_verify_key_and_unverified_endpoint_refused():
    s = Setup("discordpy-http")
    loop = Loop()
    client, conn = loop.login(s.bot_token, discord.Intents.default())
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Lax)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}/interactions"
    try:
        info = loop.run(client.application_info())
        assert len(info.verify_key) == 64 and int(info.verify_key, 16) >= 0, info.verify_key
        assert info.interactions_endpoint_url is None

        # Must not: the owner's user token cannot set the bot's endpoint.
        status, _, _ = rest_full("PATCH", "/applications/@me", s.owner, {"interactions_endpoint_url": url})
        assert status == 401
        assert Lax.seen == []

        status, _, err = rest_full("PATCH", "/applications/@me", f"Bot {s.bot_token}", {"interactions_endpoint_url": url})
        assert (status, err["code"]) == (400, 50035), err
        assert "interactions_endpoint_url" in err["errors"], err
        assert Lax.seen, "the endpoint was never asked"
        headers, body = Lax.seen[0]
        assert body["type"] == 1
        lower = {k.lower(): v for k, v in headers.items()}
        assert len(lower["x-signature-ed25519"]) == 128 and lower["x-signature-timestamp"].isdigit()

        again = loop.run(client.application_info())
        assert again.interactions_endpoint_url is None
        assert again.verify_key == info.verify_key
    finally:
        srv.shutdown()
        loop.logout(client, conn)
        loop.close()
