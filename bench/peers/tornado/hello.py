"""Tornado peer for the benchmark: Tornado's hello world, answering every
GET / with 200 "Hello, world".

Single process, one IOLoop, Tornado's defaults (no debug, no access log).
Run with Debian's interpreter and package (python3-tornado):

    /usr/bin/python3 bench/peers/tornado/hello.py --listen 127.0.0.1:8083
"""

import argparse
import asyncio

import tornado.web


class MainHandler(tornado.web.RequestHandler):
    def get(self):
        self.write("Hello, world")


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:8083", help="address to listen on (host:port)")
    args = parser.parse_args()
    host, _, port = args.listen.rpartition(":")

    app = tornado.web.Application([(r"/", MainHandler)])
    app.listen(int(port), address=host)
    print(f"tornado {tornado.version} listening on {args.listen}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
