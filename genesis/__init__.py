"""Genesis files as package data, so the default one is found from an installed package as well as
from a checkout (the file stays at genesis/dev.json, the path docs/genesis.md and users name).

``DEV_GENESIS`` is the dev chain's (format: docs/genesis.md): the default of ``sumchain node
--genesis`` and the chain of the benches and tests. It is a file on disk: setuptools installs
packages as directories, editable or not, and ``load_genesis`` opens a path.
"""
from __future__ import annotations

import pathlib
from importlib.resources import files

DEV_GENESIS = pathlib.Path(files(__name__) / "dev.json")
