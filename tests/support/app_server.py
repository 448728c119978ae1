"""The web app served by uvicorn on a thread at a free localhost port, for real-browser tests."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

from posecoach.web.settings import ServeSettings


@contextlib.contextmanager
def serve_in_thread(settings: ServeSettings) -> Iterator[str]:
    """Start the app built from `settings`; yields its base URL and stops it afterwards."""
    import uvicorn

    from posecoach.web.app import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    try:
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the web app did not start")
            time.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
