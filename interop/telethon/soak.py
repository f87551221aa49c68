"""Telethon in the faults soak: the exchange of paperplane's `faults_soak`
example, with Telethon as the client, for side-by-side runs.

Usage: python soak.py --dc 2=HOST:PORT --rsa-key FILE --workdir DIR --seed S
    --clients C --messages N --max-seconds T --bot NAME=TOKEN
    [--proxy-pid PID ...] [--no-faults] [--pace-ms MS]

Users 9996627001, 9996627002, ... (DC 2, code 22222) write
`fp<seed>.<run>-u<user>-<nnnn>` to the bot in turns while the proxies'
faults are on (SIGUSR2; SIGUSR1 turns them off); the bot answers each
distinct message once with `re:` + its text. Afterwards it prints
`result sent=N delivered=D lost=L duplicated=X secs=T`, counted as the
example counts.
"""

import argparse
import asyncio
import os
import signal
import time
from collections import Counter

from telethon import TelegramClient, errors, events
from telethon.crypto import rsa


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--dc", action="append", required=True)
    p.add_argument("--rsa-key", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--clients", type=int, default=2)
    p.add_argument("--messages", type=int, default=100)
    p.add_argument("--max-seconds", type=int, default=300)
    p.add_argument("--bot", required=True)
    p.add_argument("--proxy-pid", type=int, action="append", default=[])
    p.add_argument("--no-faults", action="store_true")
    p.add_argument("--pace-ms", type=int, default=0)
    return p.parse_args()


def client(args, name, host, port):
    c = TelegramClient(os.path.join(args.workdir, name), api_id=1, api_hash="0" * 32,
                       connection_retries=-1, retry_delay=1, request_retries=5,
                       timeout=20, auto_reconnect=True)
    c.session.set_dc(2, host, port)
    return c


def faults(args, on):
    if args.no_faults:
        return
    for pid in args.proxy_pid:
        try:
            os.kill(pid, signal.SIGUSR2 if on else signal.SIGUSR1)
        except ProcessLookupError:
            pass


def next_run(workdir):
    path = os.path.join(workdir, "runs")
    run = int(open(path).read().strip()) + 1 if os.path.exists(path) else 1
    with open(path, "w") as f:
        f.write(str(run))
    return run


async def main():
    args = parse()
    started = time.monotonic()
    deadline = started + args.max_seconds
    os.makedirs(args.workdir, exist_ok=True)
    with open(args.rsa_key, "rb") as f:
        rsa.add_key(f.read(), old=False)
    dcs = dict(d.split("=", 1) for d in args.dc)
    host, port = dcs["2"].rsplit(":", 1)
    port = int(port)
    bot_name, bot_token = args.bot.split("=", 1)
    tag = f"fp{args.seed}.{next_run(args.workdir)}-"

    at_bot = Counter()
    bot_sent = set()
    bot = client(args, "telethon-bot", host, port)
    await bot.start(bot_token=bot_token)

    @bot.on(events.NewMessage(incoming=True))
    async def answer(event):
        text = event.raw_text or ""
        if not text.startswith(tag):
            return
        at_bot[text] += 1
        if at_bot[text] == 1:
            try:
                await event.reply("re:" + text)
                bot_sent.add("re:" + text)
            except Exception:
                pass

    users = []
    for u in range(args.clients):
        phone = f"+99966{27001 + u:05d}"
        c = client(args, f"telethon-user{u}", host, port)
        await c.start(phone=phone, code_callback=lambda: "22222", first_name="Soak")
        inbox = Counter()

        def listener(inbox):
            async def got(event):
                text = event.raw_text or ""
                if text.startswith("re:" + tag):
                    inbox[text] += 1
            return got

        c.add_event_handler(listener(inbox), events.NewMessage(incoming=True))
        users.append((c, inbox, []))

    faults(args, True)
    for i in range(args.messages):
        if time.monotonic() > deadline:
            break
        u = i % len(users)
        c, _, sent = users[u]
        text = f"{tag}u{u}-{i:04d}"
        try:
            await c.send_message(bot_name, text)
            sent.append(text)
        except Exception:
            pass
        await asyncio.sleep(args.pace_ms / 1000)
    faults(args, False)

    expected = sum(len(s) for _, _, s in users)
    while time.monotonic() < deadline:
        if len(at_bot) >= expected and sum(len(i) for _, i, _ in users) >= len(bot_sent):
            break
        await asyncio.sleep(0.2)

    sent_n = delivered = duplicated = 0
    for c, inbox, sent in users:
        try:
            history = {m.raw_text async for m in c.iter_messages(bot_name, limit=5000)}
        except Exception:
            history = set()
        for text in sent:
            sent_n += 1
            if at_bot[text]:
                delivered += 1
                duplicated += at_bot[text] - 1
            reply = "re:" + text
            if reply in bot_sent:
                sent_n += 1
                if inbox[reply]:
                    delivered += 1
                    duplicated += inbox[reply] - 1
                elif reply in history:
                    delivered += 1
    secs = int(time.monotonic() - started)
    print(f"result sent={sent_n} delivered={delivered} lost={sent_n - delivered} "
          f"duplicated={duplicated} secs={secs}")
    for c, _, _ in users:
        await c.disconnect()
    await bot.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
