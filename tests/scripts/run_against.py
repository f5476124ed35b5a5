"""``python -m bot`` in a child process, with discord.py pointed at another Discord.

    python tests/scripts/run_against.py API_BASE GATEWAY_URL -- ARGS...

API_BASE replaces ``https://discord.com/api/v10`` (a fake Discord, or a closed
port); GATEWAY_URL the default gateway. Everything else is the real command line.
"""

from __future__ import annotations

import sys

import discord.gateway
import discord.http
import yarl

from bot.cli.main import main

if __name__ == "__main__":
    api_base, gateway, separator, *args = sys.argv[1:]
    assert separator == "--", "usage: run_against.py API_BASE GATEWAY_URL -- ARGS..."
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    sys.exit(main(args))
