"""The dashboard's charts as PNG images, drawn on the server with matplotlib (Agg).

Only matplotlib's object API is used (a Figure per image, no pyplot): no global state, so charts
can be drawn in worker threads at the same time. The page shows the same numbers in tables.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")  # before anything can pick a GUI backend

from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

INK, ACCENT, STAFFED = "#17120f", "#d64f7a", "#1d7a46"
DAY_ABBREVIATIONS = ("ma", "di", "wo", "do", "vr", "za", "zo")
NO_DATA = "Geen gegevens in deze periode"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def _empty(figure: Figure) -> bytes:
    axes = figure.add_subplot()
    axes.axis("off")
    axes.text(0.5, 0.5, NO_DATA, ha="center", va="center", color=INK, fontsize=12)
    return _png(figure)


def intents_chart(top_intents: Sequence[tuple[str, int]], labels: Mapping[str, str]) -> bytes:
    """Horizontal bars, the most frequent intent on top, each with its count."""
    figure = Figure(figsize=(7, 0.45 * max(len(top_intents), 4) + 0.9), layout="tight")
    if not top_intents:
        return _empty(figure)
    names = [labels.get(intent, intent) for intent, _ in reversed(top_intents)]
    counts = [count for _, count in reversed(top_intents)]
    axes = figure.add_subplot()
    bars = axes.barh(names, counts, color=ACCENT)
    axes.bar_label(bars, padding=3, color=INK, fontsize=9)
    axes.set_xlabel("Berichten")
    axes.margins(x=0.12)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def staffed_blocks(minutes: Sequence[int]) -> list[tuple[float, float]]:
    """(from, to) in hours of one day for each run of staffed hours; a partly staffed first or last
    hour counts only its staffed minutes (opening at 09:30 starts the block at 9.5)."""
    blocks, hour = [], 0
    while hour < 24:
        if not minutes[hour]:
            hour += 1
            continue
        first = hour
        while hour < 24 and minutes[hour]:
            hour += 1
        last = hour - 1
        start = first if first == last else first + (60 - minutes[first]) / 60
        blocks.append((start, last + minutes[last] / 60))
    return blocks


def demand_chart(demand: Sequence[Sequence[int]], staffed: Sequence[Sequence[int]]) -> bytes:
    """A 7 x 24 heat map of requests for an agent, the staffed hours outlined."""
    figure = Figure(figsize=(10, 3.8), layout="tight")
    axes = figure.add_subplot()
    image = axes.imshow(demand, cmap="RdPu", aspect="auto", vmin=0, interpolation="nearest")
    peak = max(max(day) for day in demand)
    for day, counts in enumerate(demand):
        for hour, count in enumerate(counts):
            if count:
                axes.text(
                    hour,
                    day,
                    str(count),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if count > peak * 0.6 else INK,
                )
        for start, end in staffed_blocks(staffed[day]):
            axes.add_patch(
                Rectangle(
                    (start - 0.5, day - 0.5), end - start, 1, fill=False, edgecolor=STAFFED, linewidth=2
                )
            )
    axes.set_yticks(range(7), DAY_ABBREVIATIONS)
    axes.set_xticks(range(0, 24, 2), [f"{hour:02d}" for hour in range(0, 24, 2)])
    axes.set_xlabel("Uur van de dag (Nederlandse tijd)")
    figure.colorbar(image, ax=axes, label="Vragen om een medewerker", fraction=0.03)
    axes.legend(
        handles=[Patch(fill=False, edgecolor=STAFFED, linewidth=2, label="Bemand (weekrooster)")],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.22),
        frameon=False,
        fontsize=9,
    )
    return _png(figure)
