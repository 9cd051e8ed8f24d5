"""A small Server-Sent Events client for the tests: reads a stream in a thread."""

import contextlib
import http.client
import json
import queue
import threading
from dataclasses import dataclass


@dataclass
class Event:
    id: str | None
    kind: str
    data: dict


class Stream:
    """Open GET `path` on 127.0.0.1:`port` and collect its events."""

    def __init__(self, port: int, path: str, headers: dict | None = None, timeout: float = 30):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.connection.request("GET", path, headers=headers or {})
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.headers = {k.lower(): v for k, v in self.response.getheaders()}
        self.events: queue.Queue = queue.Queue()
        self.closed = threading.Event()
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()
        else:
            self.body = json.loads(self.response.read() or b"{}")

    def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if line == "":
                    if "event" in fields or "data" in fields:
                        self.events.put(
                            Event(
                                fields.get("id"),
                                fields.get("event", "message"),
                                json.loads(fields.get("data") or "{}"),
                            )
                        )
                    fields = {}
                elif not line.startswith(":") and ":" in line:
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass  # closed by the test or the server
        finally:
            self.closed.set()

    def next(self, timeout: float = 5) -> Event:
        """Return the next event; raise queue.Empty after `timeout` seconds."""
        return self.events.get(timeout=timeout)

    def next_of(self, kind: str, timeout: float = 5) -> Event:
        """Return the next event of `kind`, skipping others."""
        while True:
            event = self.next(timeout)
            if event.kind == kind:
                return event

    def drain(self, wait: float = 0.5) -> list[Event]:
        """Return every event that arrives within `wait` seconds."""
        found = []
        while True:
            try:
                found.append(self.next(wait))
            except queue.Empty:
                return found

    def close(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            self.connection.sock.shutdown(2)
        self.connection.close()
