"""Telethon's `ConnectionHttp` with its response reader fixed for Python 3.

Telethon 1.45's `HttpPacketCodec.read_packet` checks `line[-1] != b'\\n'`;
on Python 3 `line[-1]` is an int, so the check always fails and the
connection breaks on the first response line from any server (Telegram's
too). Comparing `line[-1:]` is the whole fix; everything else is stock
Telethon, so the HTTP transport is still exercised by an independent
client.
"""

import asyncio

from telethon import connection
from telethon.network.connection import http


class _Codec(http.HttpPacketCodec):
    async def read_packet(self, reader):
        while True:
            line = await reader.readline()
            if not line or line[-1:] != b"\n":
                raise asyncio.IncompleteReadError(line, None)
            if line.lower().startswith(b"content-length: "):
                await reader.readexactly(2)
                return await reader.readexactly(int(line[16:-2]))


class ConnectionHttpFixed(connection.ConnectionHttp):
    """`ConnectionHttp` with the codec above."""

    packet_codec = _Codec
