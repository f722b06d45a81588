"""Loopback servers that answer slowly on purpose, for the tests of what fetching client documents may cost."""

import json
import socket
import socketserver
import threading


class DripServer(socketserver.ThreadingTCPServer):
    """Answers every connection with a valid HTTP response sent one byte at a time, `interval` seconds apart,
    and records for each connection whether it sent everything or the client hung up first."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, drip_headers: bool, interval: float = 0.1):
        body = json.dumps({"keys": [], "padding": "x" * 200}).encode()
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        self.preamble, self.dripped = (b"", head.encode() + body) if drip_headers else (head.encode(), body)
        self.interval = interval
        self.requests = 0
        self.connected = threading.Event()
        self.outcomes: list[str] = []
        self.done = threading.Event()
        self.release = threading.Event()  # set to end the drip early once a test has what it needs
        super().__init__(("127.0.0.1", 0), DripHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/jwks"


class DripHandler(socketserver.BaseRequestHandler):
    def handle(self):
        server: DripServer = self.server  # type: ignore[assignment]
        self.request.recv(4096)  # the request (small, arrives in one segment on loopback)
        server.requests += 1
        server.connected.set()
        try:
            self.request.sendall(server.preamble)
            for byte in server.dripped:
                if server.release.wait(server.interval):
                    break
                self.request.sendall(bytes([byte]))
                self._raise_if_closed()
            outcome = "finished"
        except OSError:
            outcome = "client hung up"
        server.outcomes.append(outcome)
        server.done.set()

    def _raise_if_closed(self):
        """A peer that shut its side down makes the socket readable with nothing to read."""
        self.request.setblocking(False)
        try:
            if self.request.recv(1, socket.MSG_PEEK) == b"":
                raise ConnectionResetError
        except BlockingIOError:
            pass
        finally:
            self.request.setblocking(True)
