"""The ``sumchain`` command, the one front door to the node, its precompiles, the benches and the
model and market clients (``sumchain.cli``; ``python -m sumchain`` runs it too)."""
