"""Run ``sumchain node`` with a SIGINT delivered the instant its banner is flushed.

A script (or test) that waits for the banner and then stops the node sends
SIGINT at exactly that moment; this makes that timing deterministic instead
of a race. The node must then shut down cleanly and exit 0.

Usage: python tests/scripts/sigint_at_banner.py [sumchain node flags...]
(cwd: the project root). Exits with sumchain's exit code.
"""
from __future__ import annotations

import os
import signal
import sys


class _SignalAfterBanner:
    """stdout that sends SIGINT to this process right after the banner is flushed."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self._seen = ""
        self._sent = False

    def write(self, text: str) -> int:
        if not self._sent:
            self._seen += text
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()
        if not self._sent and "JSON-RPC" in self._seen:
            self._sent = True
            os.kill(os.getpid(), signal.SIGINT)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def main() -> int:
    from sumchain.cli import main as sumchain_main

    sys.stdout = _SignalAfterBanner(sys.stdout)
    return sumchain_main(["node", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
