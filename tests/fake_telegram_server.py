"""The fake Bot API (tests/fake_telegram.py) as a local HTTP server in a process of its own.

    python -m tests.fake_telegram_server PORT

Benchmarks point a bot at it (base_url http://127.0.0.1:PORT/bot) so that the fake's work, which stands in
for Telegram's servers, is not billed to the bot's process, and the bot pays for real HTTP as in
production. Every request is handed to one FakeBotApi as the httpx.Request the in-process transport gives
it, so both ways enforce the same limits. HTTP/1.1 with keep-alive and Content-Length bodies, what httpx
sends; nothing more (a benchmark's server, not a web server). `serve` starts it and waits until it listens.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.fake_telegram import FakeBotApi

ROOT = Path(__file__).resolve().parent.parent
READY_WITHIN = 20.0  # seconds for the process to import and listen
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}


def relay(
    fake: FakeBotApi, method: str, target: str, headers: list[tuple[str, str]], body: bytes
) -> httpx.Response:
    """One HTTP request handed to the fake as the httpx.Request the in-process transport would give it."""
    return fake(httpx.Request(method, f"http://fake{target}", headers=headers, content=body))


async def _connection(fake: FakeBotApi, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")[:-2]
            method, target, _ = request_line.split(" ", 2)
            headers = [tuple(line.split(":", 1)) for line in header_lines]
            length = next((int(v) for k, v in headers if k.strip().lower() == "content-length"), 0)
            body = await reader.readexactly(length) if length else b""
            response = fake(
                httpx.Request(
                    method, f"http://fake{target}", headers=[(k, v.strip()) for k, v in headers], content=body
                )
            )
            content = response.content
            writer.write(
                f"HTTP/1.1 {response.status_code} {REASONS.get(response.status_code, 'Error')}\r\n"
                f"Content-Type: {response.headers.get('content-type', 'application/json')}\r\n"
                f"Content-Length: {len(content)}\r\n\r\n".encode("latin-1")
                + content
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass  # the client closed its connection
    finally:
        writer.close()


async def main(port: int) -> None:
    fake = FakeBotApi()
    server = await asyncio.start_server(lambda r, w: _connection(fake, r, w), "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def serve(port: int) -> subprocess.Popen[bytes]:
    """The server in a child process, listening on 127.0.0.1:`port` when this returns."""
    process = subprocess.Popen([sys.executable, "-m", "tests.fake_telegram_server", str(port)], cwd=ROOT)
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"the fake Bot API server did not listen on port {port}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
