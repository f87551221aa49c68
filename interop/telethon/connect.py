"""Telethon (an independent MTProto client) against paperplane-testserver.

Usage: python connect.py HOST PORT PUBLIC_KEY_PEM_FILE

For each transport Telethon offers it connects to DC 2 with the server's
RSA key, which runs the key exchange, `invokeWithLayer(initConnection(
help.getConfig))` and the encrypted session, then checks the answers of
`help.getNearestDc` and `help.getConfig`, and that an unauthorized key is
reported as such. Exits non-zero on the first failure.
"""

import asyncio
import sys

from telethon import TelegramClient, connection, functions
from telethon.crypto import rsa
from telethon.sessions import MemorySession

from http_fixed import ConnectionHttpFixed

TRANSPORTS = {
    "full": connection.ConnectionTcpFull,
    "abridged": connection.ConnectionTcpAbridged,
    "intermediate": connection.ConnectionTcpIntermediate,
    "obfuscated": connection.ConnectionTcpObfuscated,
    # MTProto over HTTP; see http_fixed.py for the one-line Telethon fix.
    "http": ConnectionHttpFixed,
}


async def check(host: str, port: int, name: str, conn) -> None:
    session = MemorySession()
    session.set_dc(2, host, port)
    client = TelegramClient(session, api_id=1, api_hash="0" * 32, connection=conn,
                            receive_updates=False, connection_retries=1, retry_delay=0)
    await client.connect()
    try:
        assert not await client.is_user_authorized()
        nearest = await client(functions.help.GetNearestDcRequest())
        assert nearest.this_dc == 2, nearest
        config = await client(functions.help.GetConfigRequest())
        ports = sorted({o.port for o in config.dc_options})
        assert port in ports, (port, ports)
        assert len({o.id for o in config.dc_options}) == 5, config.dc_options
        print(f"{name}: ok (nearest dc {nearest.this_dc}, {len(config.dc_options)} dc options)")
    finally:
        await client.disconnect()


async def main() -> int:
    host, port, pem_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(pem_file, "rb") as f:
        rsa.add_key(f.read(), old=False)
    for name, conn in TRANSPORTS.items():
        await asyncio.wait_for(check(host, port, name, conn), timeout=60)
    print(f"telethon: {len(TRANSPORTS)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
