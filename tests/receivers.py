"""Local alert receivers for tests: an HTTP webhook sink and an SMTP sink on loopback."""

from __future__ import annotations

import json
import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def webhook_sink(port: int | None = None):
    """Yields (url, received) where received is a list of JSON payloads posted to url; a given
    port lets a test bring a channel that was down back up under the same URL."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", 0))
            received.append(json.loads(self.rfile.read(length) or b"{}"))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    HTTPServer.allow_reuse_address = True
    server = HTTPServer(("127.0.0.1", port or free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"json://127.0.0.1:{server.server_port}/alert", received
    finally:
        server.shutdown()
        server.server_close()


def _readable(raw: bytes) -> str:
    """Subject and decoded text parts of a MIME message (alerts are in Portuguese: encoded on the wire)."""
    import email
    from email.header import decode_header, make_header

    msg = email.message_from_bytes(raw)
    parts = [str(make_header(decode_header(msg.get("Subject", ""))))]
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            parts.append(part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(parts)


@contextmanager
def smtp_sink(raw: bool = False):
    """Yields (apprise mailto url, received) where received holds the messages' subject and text parts
    (raw=True: the messages as received, bytes, attachments included)."""
    from aiosmtpd.controller import Controller

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
            received.append(envelope.content if raw else _readable(envelope.content))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"mailto://127.0.0.1:{port}?from=etl@example.com&to=ops@example.com&secure=no", received
    finally:
        controller.stop()
