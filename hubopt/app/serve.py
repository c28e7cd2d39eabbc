"""Serve the workbench on this computer only (127.0.0.1) with uvicorn, and open it in the browser."""

from __future__ import annotations

import errno
import socket
import threading
import time
import webbrowser
from collections.abc import Callable

import uvicorn
from starlette.applications import Starlette

from hubopt.errors import InputError

__all__ = ["DEFAULT_PORT", "HOST", "Server", "bind", "serve"]

#: The only address the app listens on: this computer (nobody else on the network can reach it).
HOST = "127.0.0.1"
#: The port tried first when none is given; a free one is taken when it is busy.
DEFAULT_PORT = 8765


def bind(port: int | None) -> socket.socket:
    """A listening socket on :data:`HOST`.

    Parameters
    ----------
    port : int or None
        The port asked for (0: any free port); None tries :data:`DEFAULT_PORT`, then any free port.

    Raises
    ------
    InputError
        When the port asked for is busy or not a port number.
    """
    if port is not None and not 0 <= port <= 65535:
        raise InputError(f"{port} is not a port number", setting="--port", hint="give a number from 1024 to 65535")
    for attempt in [DEFAULT_PORT, 0] if port is None else [port]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, attempt))
        except OSError as err:
            sock.close()
            if port is None and err.errno == errno.EADDRINUSE:
                continue
            raise InputError(
                f"port {attempt} cannot be used ({err.strerror})",
                setting="--port",
                hint="choose another port, or leave --port out to take a free one",
            ) from None
        sock.listen(128)
        return sock
    raise AssertionError("unreachable: port 0 always binds")  # pragma: no cover


class Server:
    """uvicorn serving an app on a bound socket, in this thread (:meth:`run`) or a thread of its own (tests).

    Parameters
    ----------
    app : Starlette
        The app (:func:`hubopt.app.server.create_app`).
    sock : socket.socket
        A listening socket (:func:`bind`).
    """

    def __init__(self, app: Starlette, sock: socket.socket) -> None:
        self.sock = sock
        self.url = f"http://{HOST}:{sock.getsockname()[1]}/"
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2
        )
        self.server = uvicorn.Server(config)
        self.thread: threading.Thread | None = None

    def run(self, on_started: Callable[[], None] | None = None) -> None:
        """Serve until interrupted (Ctrl+C); ``on_started`` is called from a helper thread once it listens."""
        if on_started is not None:
            threading.Thread(target=self._when_started, args=(on_started,), daemon=True).start()
        self.server.run(sockets=[self.sock])

    def start(self) -> str:
        """Serve in a background thread; returns the URL once the server listens."""
        started = threading.Event()
        self.thread = threading.Thread(target=self.run, args=(started.set,), daemon=True)
        self.thread.start()
        started.wait(60)
        return self.url

    def stop(self) -> None:
        """Stop a server started with :meth:`start`."""
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(30)
        self.sock.close()

    def _when_started(self, callback: Callable[[], None]) -> None:
        while not self.server.started and not self.server.should_exit:
            time.sleep(0.05)
        if self.server.started:
            callback()


def serve(app: Starlette, port: int | None, *, open_browser: bool, say: Callable[[str], None]) -> None:
    """Serve ``app`` on 127.0.0.1 until Ctrl+C, saying its address and opening it in the browser when asked."""
    server = Server(app, bind(port))

    def started() -> None:
        say(f"The workbench is at {server.url} (press Ctrl+C to stop it)")
        if open_browser:
            webbrowser.open(server.url)

    try:
        server.run(started)
    except KeyboardInterrupt:  # Ctrl+C: uvicorn has shut down and passes the signal on
        say("The workbench has stopped.")
    finally:
        server.sock.close()
