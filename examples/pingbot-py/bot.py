"""A discord.py 2.x bot that answers "!ping" with "pong".

discord.py connects to a fixed gateway URL rather than asking the API, so
both the REST base and the gateway URL are set. Checked against Accord with
discord.py 2.7.1:

    pip install discord.py
    python bot.py http://127.0.0.1:8080 "$BOT_TOKEN"
"""
import os
import sys

import discord
import yarl
from discord.http import Route

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
token = sys.argv[2] if len(sys.argv) > 2 else os.environ["BOT_TOKEN"]
Route.BASE = base + "/api/v10"
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
    base.replace("http", "ws", 1) + "/gateway")

intents = discord.Intents.default()
intents.message_content = True
client = discord.Client(intents=intents)


@client.event
async def on_ready():
    print(f"logged in as {client.user} in {len(client.guilds)} guilds")


@client.event
async def on_message(message):
    if message.author != client.user and message.content.strip() == "!ping":
        await message.channel.send("pong")


client.run(token)
