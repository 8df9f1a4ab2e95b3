"""Host names and loopback: the checks a loopback server makes against DNS rebinding, shared by
the node's JSON-RPC server and ``sumchain dashboard``'s proxy (which must not import the node)."""
from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Whether a host name or address (IPv6 bracketed or not) is this machine's loopback."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(host_header: str) -> str:
    """The name in a Host header, without its port: "[::1]:8545" -> "::1"."""
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    return host_header.rpartition(":")[0] if ":" in host_header else host_header
