"""The web dashboard: a single-page app that speaks JSON-RPC only, served by the node at
/dashboard/ or by ``sumchain dashboard`` in front of any other node (docs/dashboard.md)."""
