"""A few seconds of a client's rate as a small PNG for the chat (matplotlib, imported only here)."""

from __future__ import annotations

import io

from antena.core.i18n import _
from antena.core.monitoring.tools import Traffic


def traffic_png(t: Traffic, title: str) -> bytes:
    """Download and upload in Mbit/s per second; ``title`` names the client, router and moment."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    seconds = [s.second + 1 for s in t.samples]
    fig = Figure(figsize=(4.8, 2.4), dpi=100)
    ax = fig.add_subplot()
    ax.plot(seconds, [s.down_bps / 1e6 for s in t.samples], color="#0b62c4", marker="o", label=_("Download"))
    ax.plot(seconds, [s.up_bps / 1e6 for s in t.samples], color="#c0392b", marker="o", label=_("Upload"))
    ax.set_xlabel("s")
    ax.set_ylabel("Mbit/s")
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=8)
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
