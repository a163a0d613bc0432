"""A real HTTP server on 127.0.0.1 for the tests that add documents by their link: each path
answers as a test sets it (status, headers, body, a delay), and every request is recorded with
its headers. Nothing leaves the machine."""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Page:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    etag: str = ""  # answered 304 to a request that names it in If-None-Match
    length: bool = True  # False: no Content-Length; the body ends when the connection closes


class _Handler(BaseHTTPRequestHandler):
    server: WebServer.Http

    def do_GET(self) -> None:  # http.server's name
        site: WebServer = self.server.site
        site.requests.append((self.path, dict(self.headers.items())))
        page = site.pages.get(self.path)
        if page is None:
            page = Page(b"<html><body>Not here</body></html>", status=404)
        if page.delay:
            time.sleep(page.delay)
        if page.etag and self.headers.get("If-None-Match") == page.etag:
            self.send_response(304)
            self.send_header("ETag", page.etag)
            self.end_headers()
            return
        self.send_response(page.status)
        if page.content_type:
            self.send_header("Content-Type", page.content_type)
        if page.etag:
            self.send_header("ETag", page.etag)
        for key, value in page.headers.items():
            self.send_header(key, value)
        if page.length:
            self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        try:
            self.wfile.write(page.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a size limit, a timeout): as a real server would see it

    def log_message(self, format: str, *args) -> None:  # quiet
        pass


class WebServer:
    """``with WebServer() as site:`` serves ``site.pages`` at ``site.url(path)``."""

    class Http(ThreadingHTTPServer):
        daemon_threads = True
        site: WebServer

        def handle_error(self, request, client_address) -> None:
            pass  # a client that refused the certificate, or gave up: the test says what it expected

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        """``tls``: a certificate and its key, to serve https."""
        self.pages: dict[str, Page] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._http = self.Http(("127.0.0.1", 0), _Handler)
        self._http.site = self
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._http.socket = context.wrap_socket(self._http.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self._http.server_port}{path}"

    def redirects(self, start: str, hops: int, end: str) -> str:
        """``hops`` redirects from ``start`` (``start``, ``start/1``, ...) to ``end``; the first link."""
        for n in range(hops):
            here = start if n == 0 else f"{start}/{n}"
            there = end if n == hops - 1 else f"{start}/{n + 1}"
            self.pages[here] = Page(status=302, content_type="", headers={"Location": there})
        return self.url(start)

    def __enter__(self) -> WebServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._http.shutdown()
        self._http.server_close()
