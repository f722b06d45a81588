"""Fixtures shared by the protocol tests."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture
def jwks_server():
    """A client's own web server publishing its JWKS (for jwks_uri), on loopback. `publish.seen` lists the
    paths requested, in order (also those answered 404)."""
    documents: dict[str, dict] = {}
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            body = json.dumps(documents.get(self.path, {})).encode()
            self.send_response(200 if self.path in documents else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def publish(path: str, document: dict) -> str:
        documents[path] = document
        return base + path

    publish.seen = seen  # type: ignore[attr-defined]
    publish.base = base  # type: ignore[attr-defined]
    yield publish
    server.shutdown()
