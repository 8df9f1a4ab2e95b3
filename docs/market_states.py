"""Draws docs/market-states.png, the state diagram of a bounty-market request (docs/market.md).

Run: ``.venv/bin/python docs/market_states.py [OUT.png]``. The transitions below are the ones
docs/market.md tables and contracts/market/BountyMarket.sol implements.
"""
from __future__ import annotations

import pathlib
import sys

# state: (x, y) on the drawing; final states are drawn with a double border.
STATES = {
    "Open": (0.0, 3.0),
    "AwaitingLabels": (3.2, 3.0),
    "Claiming": (6.4, 3.0),
    "Verifying": (9.6, 3.0),
    "Paid": (9.6, 0.6),
    "Cancelled": (0.0, 0.6),
    "Refunded": (4.8, 0.6),
    "RequesterPunished": (3.2, 5.2),
}
FINAL = {"Paid", "Cancelled", "Refunded", "RequesterPunished"}
# (from, to, label, bend): bend curves an arrow so that two between the same states stay apart.
TRANSITIONS = [
    ("Open", "AwaitingLabels", "submission\ndeadline", 0.0),
    ("Open", "Cancelled", "cancelRequest\n(requester)", 0.0),
    ("AwaitingLabels", "Claiming", "revealLabels\n(requester)", 0.0),
    ("AwaitingLabels", "RequesterPunished", "timeoutLabels\n(anyone)", 0.0),
    ("AwaitingLabels", "Refunded", "refundUnanswered\n(no submissions)", 0.0),
    ("Claiming", "Verifying", "selectCandidate\n(anyone)", 0.0),
    ("Claiming", "Refunded", "selectCandidate:\nno claims", 0.0),
    ("Verifying", "Paid", "revealPredictions\nchecks out", 0.0),
    ("Verifying", "Verifying", "failed reveal or\ntimeoutCandidate:\nslash, next", 0.0),
    ("Verifying", "Refunded", "slash,\nnone left", -0.3),
]


def _edge(centre: tuple[float, float], towards: tuple[float, float], width: float, height: float) -> tuple[float, float]:
    """Where the line from a box's centre towards another point leaves the box."""
    (x, y), (tx, ty) = centre, towards
    dx, dy = tx - x, ty - y
    scale = min((width / 2) / abs(dx) if dx else float("inf"), (height / 2) / abs(dy) if dy else float("inf"))
    return x + dx * scale, y + dy * scale


def draw(path: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    figure, axis = plt.subplots(figsize=(12, 6.2))
    width, height = 2.1, 0.8
    for name, (x, y) in STATES.items():
        final = name in FINAL
        for pad in ((0.0, 0.08) if final else (0.0,)):
            axis.add_patch(FancyBboxPatch((x - width / 2 - pad, y - height / 2 - pad), width + 2 * pad,
                                          height + 2 * pad, boxstyle="round,pad=0.02,rounding_size=0.15",
                                          fill=pad == 0.0, facecolor="#e8f0fe" if not final else "#fdecea",
                                          edgecolor="#1a3d7c" if not final else "#8a1c12", linewidth=1.4))
        axis.text(x, y, name, ha="center", va="center", fontsize=10, weight="bold")
    for source, target, label, bend in TRANSITIONS:
        (x0, y0), (x1, y1) = STATES[source], STATES[target]
        if source == target:  # a loop above the box
            axis.add_patch(FancyArrowPatch((x0 - 0.45, y0 + height / 2), (x0 + 0.45, y0 + height / 2),
                                           connectionstyle="arc3,rad=-1.6", arrowstyle="-|>", mutation_scale=14,
                                           color="#333333"))
            axis.text(x0, y0 + 1.45, label, ha="center", va="center", fontsize=8)
            continue
        start, end = _edge((x0, y0), (x1, y1), width, height), _edge((x1, y1), (x0, y0), width, height)
        axis.add_patch(FancyArrowPatch(start, end, connectionstyle=f"arc3,rad={bend}", arrowstyle="-|>",
                                       mutation_scale=14, color="#333333", shrinkA=4, shrinkB=4))
        axis.text((x0 + x1) / 2 + bend * (y1 - y0) * 0.5, (y0 + y1) / 2 - bend * (x1 - x0) * 0.5, label,
                  ha="center", va="center", fontsize=8,
                  bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9})
    axis.text(-1.1, -0.45, "double border: final state (trainers then call withdraw)", fontsize=8, color="#8a1c12")
    axis.set_xlim(-1.4, 11.0)
    axis.set_ylim(-0.7, 6.0)
    axis.set_aspect("equal")
    axis.axis("off")
    axis.set_title("BountyMarket: the states of a request", fontsize=13)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


if __name__ == "__main__":
    draw(pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).with_name("market-states.png"))
