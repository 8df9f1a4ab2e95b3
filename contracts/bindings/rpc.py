"""A minimal JSON-RPC client over HTTP (urllib): the bindings talk to any Ethereum node this way."""
from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from typing import Any

from .errors import NodeError, NodeUnreachable

DEFAULT_URL = "http://127.0.0.1:8545"


class RpcClient:
    """One node's JSON-RPC endpoint. No web3.py: the bindings must not depend on test-only packages."""

    def __init__(self, url: str = DEFAULT_URL, timeout: float = 120.0) -> None:
        self.url = url
        self.timeout = timeout
        self._ids = itertools.count(1)

    def request(self, method: str, *params: Any) -> Any:
        """The `result` of one call; a JSON-RPC error raises NodeError (code, message, data kept)."""
        body = json.dumps({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)})
        http = urllib.request.Request(self.url, body.encode(), {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(http, timeout=self.timeout) as response:
                reply = json.loads(response.read())
        except urllib.error.HTTPError as error:
            # Nodes answer JSON-RPC errors with HTTP 200; another status is the transport failing.
            raise NodeUnreachable(f"{self.url} answered HTTP {error.code} {error.reason}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise NodeUnreachable(f"cannot reach a node at {self.url}: {reason}") from None
        except ValueError:
            raise NodeUnreachable(f"{self.url} did not answer JSON-RPC") from None
        if not isinstance(reply, dict):
            raise NodeUnreachable(f"{self.url} did not answer JSON-RPC")
        if reply.get("error") is not None:
            error = reply["error"]
            raise NodeError(int(error.get("code", 0)), str(error.get("message", "")), error.get("data"))
        return reply.get("result")
