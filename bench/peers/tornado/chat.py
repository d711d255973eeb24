"""A chat server on Tornado with the HTTP API of Tornado's chat demo, as a
peer for bench/longpoll: the same long-poll design (a Condition that wakes
every waiter, a cache of recent messages) without templates or XSRF.

    python3 chat.py --port 8890
"""
import argparse
import asyncio
import itertools

import tornado.locks
import tornado.web


class Room:
    def __init__(self, keep=200):
        self.changed = tornado.locks.Condition()
        self.recent = []
        self.keep = keep
        self.ids = itertools.count(1)

    def after(self, cursor):
        newer = [m for m in self.recent if m["id"] == cursor]
        if not newer:
            return list(self.recent)
        i = self.recent.index(newer[0])
        return self.recent[i + 1:]

    def add(self, body):
        msg = {"id": str(next(self.ids)), "body": body}
        msg["html"] = '<div class="message" id="m%s">%s</div>' % (
            msg["id"], tornado.escape.xhtml_escape(body))
        self.recent = (self.recent + [msg])[-self.keep:]
        self.changed.notify_all()
        return msg


room = Room()


class New(tornado.web.RequestHandler):
    def post(self):
        self.write(room.add(self.get_argument("body")))


class Updates(tornado.web.RequestHandler):
    async def post(self):
        cursor = self.get_argument("cursor", None)
        msgs = room.after(cursor)
        while not msgs:
            self.waiting = room.changed.wait()
            try:
                await self.waiting
            except asyncio.CancelledError:
                return
            msgs = room.after(cursor)
        if not self.request.connection.stream.closed():
            self.write({"messages": msgs})

    def on_connection_close(self):
        if getattr(self, "waiting", None):
            self.waiting.cancel()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8890)
    args = ap.parse_args()
    app = tornado.web.Application([
        (r"/a/message/new", New),
        (r"/a/message/updates", Updates),
    ])
    app.listen(args.port, address="127.0.0.1")
    print("tornado chat on 127.0.0.1:%d" % args.port, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
