"""Raw HTTP over a socket, for tests that must send a request in pieces (its first bytes,
then the rest) or drop a connection half-way: what an HTTP client library never does."""

from __future__ import annotations

import socket
import threading
import time


def wait_until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.005)


def raw_request(path: str, body: bytes, *, content_type: str, keep_alive: bool = False) -> bytes:
    conn = "keep-alive" if keep_alive else "close"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
        f"Connection: {conn}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def read_answer(sock: socket.socket, ends: bytes = b"ok") -> bytes:
    """What the server sends back, read until the body ``ends`` it or the connection ends."""
    got = b""
    while not got.endswith(ends):
        chunk = sock.recv(4096)
        if not chunk:
            break
        got += chunk
    return got


def all_at_once(port: int, requests: list[bytes]) -> list[bytes]:
    """Each request on a connection of its own, all sent together (a thread each, released
    at once); the answers, in the order they came."""
    gate = threading.Barrier(len(requests))
    answers: list[bytes] = []

    def one(raw: bytes) -> None:
        with socket.create_connection(("127.0.0.1", port)) as sock:
            gate.wait()
            sock.sendall(raw)
            answers.append(read_answer(sock))

    threads = [threading.Thread(target=one, args=(raw,)) for raw in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return answers
