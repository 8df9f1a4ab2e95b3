"""contracts/build/ (committed) must be what `make contracts` makes from today's sources."""
from __future__ import annotations

import json
import subprocess

from tests.support import ROOT

BUILD = ROOT / "contracts" / "build"


def test_artifacts_match_the_sources(tmp_path):
    subprocess.run(["node", str(ROOT / "contracts" / "build.js"), "--out", str(tmp_path)],
                   check=True, capture_output=True, text=True, cwd=ROOT)
    fresh = {path.name: path.read_bytes() for path in tmp_path.glob("*.json")}
    committed = {path.name: path.read_bytes() for path in BUILD.glob("*.json")}
    assert fresh, "contracts/build.js wrote no artifacts"
    missing = sorted(set(fresh) - set(committed))
    extra = sorted(set(committed) - set(fresh))
    stale = sorted(name for name in set(fresh) & set(committed) if fresh[name] != committed[name])
    assert not (missing or extra or stale), (
        f"contracts/build/ is stale against contracts/**/*.sol: run make contracts "
        f"(missing {missing}, no longer built {extra}, changed {stale})"
    )


def test_artifacts_have_the_expected_shape():
    harness = json.loads((BUILD / "VectorMathHarness.json").read_text())
    assert sorted(harness) == ["abi", "bytecode", "deployedBytecode"]
    assert harness["bytecode"].startswith("0x") and len(harness["bytecode"]) > 2
    # EIP-170: deployable
    assert (len(harness["deployedBytecode"]) - 2) // 2 <= 24_576
