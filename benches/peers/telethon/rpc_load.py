"""Round trips per second of help.getNearestDc through Telethon.

Usage: python rpc_load.py HOST PORT SERVER_PEM INFLIGHT REQUESTS
Prints one line: `telethon inflight=N requests=M seconds=S rps=R`.
"""

import asyncio
import sys
import time

from telethon import TelegramClient, connection, functions
from telethon.crypto import rsa
from telethon.sessions import MemorySession


async def main() -> int:
    host, port, pem, inflight, requests = sys.argv[1:6]
    inflight, requests = int(inflight), int(requests)
    with open(pem, "rb") as f:
        rsa.add_key(f.read(), old=False)
    session = MemorySession()
    session.set_dc(2, host, int(port))
    client = TelegramClient(session, api_id=1, api_hash="0" * 32,
                            connection=connection.ConnectionTcpAbridged,
                            receive_updates=False)
    await client.connect()
    try:
        for _ in range(100):
            await client(functions.help.GetNearestDcRequest())
        per_worker = requests // inflight

        async def worker():
            for _ in range(per_worker):
                await client(functions.help.GetNearestDcRequest())

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(inflight)))
        secs = time.perf_counter() - started
        total = per_worker * inflight
        print(f"telethon inflight={inflight} requests={total} seconds={secs:.3f} rps={total / secs:.0f}")
    finally:
        await client.disconnect()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
