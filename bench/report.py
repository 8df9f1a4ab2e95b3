"""Writing measured figures into docs/benchmarks.md, one replaceable section per bench."""
from __future__ import annotations

import pathlib

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nFigures come from runs of the scripts in `bench/`, never by hand.\n"


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section between this bench's markers."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    section = f"{begin}\n{body}\n{end}"
    text = DOC.read_text() if DOC.exists() else HEADER
    if begin in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOC.write_text(text)
