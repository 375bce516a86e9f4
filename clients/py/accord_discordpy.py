"""Point discord.py 2.x at an Accord server: the snippet the README shows.

discord.py builds REST URLs from ``Route.BASE`` and opens its first gateway
connection at ``DiscordWebSocket.DEFAULT_GATEWAY`` (it asks /gateway/bot only
when sharding automatically, and goes back to DEFAULT_GATEWAY after an
invalidated session), so both are set: setting only the REST base sends the
bot's token to Discord's real gateway.
"""
import discord
import yarl
from discord.http import Route


def point_at_accord(base: str) -> None:
    """Aim discord.py at the Accord server at base, e.g. "http://127.0.0.1:8080"."""
    Route.BASE = f"{base}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
        base.replace("http", "ws", 1) + "/gateway")
