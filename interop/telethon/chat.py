"""Telethon signs in to paperplane-testserver and chats.

Usage: python chat.py HOST PORT PUBLIC_KEY_PEM_FILE BOT_USERNAME BOT_TOKEN

Over each transport Telethon offers: a bot signs in with its token and
echoes what it receives; a test-number user (99966 2 YYYY, code 22222)
signs in, resolves the bot by username, writes to it and waits for the
echo. Then a user whose number lives on DC 3 (99966 3 YYYY) signs in from
DC 2, which means following PHONE_MIGRATE_3, and does the same. Exits
non-zero on the first failure.
"""

import asyncio
import sys

from telethon import TelegramClient, connection, events
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


def new_client(host, port, conn):
    session = MemorySession()
    session.set_dc(2, host, port)
    return TelegramClient(session, api_id=1, api_hash="0" * 32, connection=conn,
                          connection_retries=1, retry_delay=0)


async def talk(host, port, conn, bot_username, bot_token, phone, code, label):
    bot = new_client(host, port, conn)
    user = new_client(host, port, conn)

    @bot.on(events.NewMessage(incoming=True))
    async def echo(event):
        await event.reply(event.raw_text)

    await bot.start(bot_token=bot_token)
    try:
        me_bot = await bot.get_me()
        assert me_bot.bot and me_bot.id == int(bot_token.split(":")[0]), me_bot
        await user.start(phone=phone, code_callback=lambda: code)
        me = await user.get_me()
        assert me.phone == phone.lstrip("+"), (me.phone, phone)
        answered = asyncio.get_running_loop().create_future()

        @user.on(events.NewMessage(incoming=True, from_users=me_bot.id))
        async def got(event):
            if not answered.done():
                answered.set_result(event.raw_text)

        text = f"hello over {label}"
        sent = await user.send_message(bot_username, text)
        assert sent is not None and sent.id > 0, sent
        echo_text = await asyncio.wait_for(answered, timeout=30)
        assert echo_text == text, (echo_text, text)
        history = await user.get_messages(bot_username, limit=2)
        assert [m.raw_text for m in history] == [text, text], history
        dc = user.session.dc_id
        print(f"{label}: ok ({phone} on dc {dc} <-> @{bot_username})")
        return dc
    finally:
        await user.disconnect()
        await bot.disconnect()


async def main() -> int:
    host, port, pem_file, bot_username, bot_token = sys.argv[1:6]
    port = int(port)
    with open(pem_file, "rb") as f:
        rsa.add_key(f.read(), old=False)
    checks = 0
    for i, (name, conn) in enumerate(TRANSPORTS.items()):
        dc = await asyncio.wait_for(
            talk(host, port, conn, bot_username, bot_token, f"+99966210{i:02d}", "22222", name),
            timeout=120)
        assert dc == 2, dc
        checks += 1
    dc = await asyncio.wait_for(
        talk(host, port, connection.ConnectionTcpFull, bot_username, bot_token,
             "+9996631000", "33333", "PHONE_MIGRATE_3"),
        timeout=120)
    assert dc == 3, f"expected the user to move to DC 3, it is on {dc}"
    checks += 1
    print(f"telethon chat: {checks} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
