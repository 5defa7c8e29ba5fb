"""A real HTTP server on 127.0.0.1 for the tests that fetch (pages, feeds, faults): a handler answers in one call
and every request is counted by path."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar


class LocalSite(ThreadingHTTPServer):
    hits: dict[str, int]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class SiteHandler(BaseHTTPRequestHandler):
    """Subclasses answer in `answer()`; `send` writes one whole response (headers given as Retry_After=...)."""

    server: LocalSite

    def log_message(self, *_: object) -> None:
        pass

    def send(self, status: int, body: bytes = b"", kind: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.hits[self.path] = self.server.hits.get(self.path, 0) + 1
        self.answer()

    def answer(self) -> None:
        self.send(404)


Site = TypeVar("Site", bound=LocalSite)


@contextmanager
def running(site: type[Site], handler: type[SiteHandler]) -> Iterator[Site]:
    server = site(("127.0.0.1", 0), handler)
    server.hits = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
