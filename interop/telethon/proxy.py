"""Telethon through paperplane-testserver's MTProxy endpoint.

Usage: python proxy.py PROXY_HOST PROXY_PORT PUBLIC_KEY_PEM_FILE SIMPLE_SECRET DD_SECRET BOT_TOKEN

For each MTProxy connection Telethon offers (abridged and intermediate
with the simple secret, randomized intermediate with the `dd` secret) it
connects to DC 2 through the proxy (the DC's own address is never used:
Telethon names the DC in the obfuscated2 header), checks
`help.getNearestDc` and signs a bot in. Then a test-number user living on
DC 4 (99966 4 YYYY, code 44444) signs in over the `dd` secret, following
PHONE_MIGRATE_4 through the proxy. Exits non-zero on the first failure.
"""

import asyncio
import sys
import warnings

from telethon import TelegramClient, connection, functions
from telethon.crypto import rsa
from telethon.sessions import MemorySession

# Telethon's MTProxy classes with the secret each is meant for.
TRANSPORTS = {
    "mtproxy abridged": (connection.ConnectionTcpMTProxyAbridged, "simple"),
    "mtproxy intermediate": (connection.ConnectionTcpMTProxyIntermediate, "simple"),
    "mtproxy randomized intermediate": (
        connection.ConnectionTcpMTProxyRandomizedIntermediate, "dd"),
}


# Telethon warns about SOCKS support whenever `proxy` is given; its MTProxy
# connections do not use python-socks.
warnings.filterwarnings("ignore", message="proxy argument will be ignored")


def new_client(proxy, conn):
    session = MemorySession()
    # The address is a placeholder: with an MTProxy only the DC id counts.
    session.set_dc(2, "192.0.2.1", 443)
    return TelegramClient(session, api_id=1, api_hash="0" * 32, connection=conn, proxy=proxy,
                          receive_updates=False, connection_retries=1, retry_delay=0)


async def bot_over(proxy, name, conn, bot_token):
    client = new_client(proxy, conn)
    await client.connect()
    try:
        nearest = await client(functions.help.GetNearestDcRequest())
        assert nearest.this_dc == 2, nearest
        await client.sign_in(bot_token=bot_token)
        me = await client.get_me()
        assert me.bot and me.id == int(bot_token.split(":")[0]), me
        print(f"{name}: ok (nearest dc {nearest.this_dc}, bot {me.id} signed in)")
    finally:
        await client.disconnect()


async def user_on_dc4(proxy, conn):
    client = new_client(proxy, conn)
    try:
        await client.start(phone="+9996641000", code_callback=lambda: "44444")
        me = await client.get_me()
        assert me.phone == "9996641000", me.phone
        assert client.session.dc_id == 4, client.session.dc_id
        nearest = await client(functions.help.GetNearestDcRequest())
        assert nearest.this_dc == 4, nearest
        print(f"mtproxy PHONE_MIGRATE_4: ok (user {me.id} on dc {nearest.this_dc})")
    finally:
        await client.disconnect()


async def main() -> int:
    host, port, pem_file, simple, dd, bot_token = sys.argv[1:7]
    secrets = {"simple": simple, "dd": dd}
    with open(pem_file, "rb") as f:
        rsa.add_key(f.read(), old=False)
    checks = 0
    for name, (conn, secret) in TRANSPORTS.items():
        proxy = (host, int(port), secrets[secret])
        await asyncio.wait_for(bot_over(proxy, name, conn, bot_token), timeout=60)
        checks += 1
    proxy = (host, int(port), dd)
    await asyncio.wait_for(
        user_on_dc4(proxy, connection.ConnectionTcpMTProxyRandomizedIntermediate), timeout=60)
    checks += 1
    print(f"telethon mtproxy: {checks} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
