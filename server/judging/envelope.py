"""The sealed envelope's sheet: the whole code mapping of an event as a PDF, for the encryption officer
to print, sign and seal (密封) under the supervisor's eye. Built only from a mapping the passphrase opened.

Typesetting comes from the certificates core (embedded CJK fonts with fallback for rare characters).
reportlab is not thread-safe: pages are rendered in one worker thread at a time.
"""

from __future__ import annotations

import asyncio
import io
import threading

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from certificates.typeset import draw_text, register_fonts

_render_lock = threading.Lock()
_COLUMNS = (("序号 No.", 40), ("参赛队/选手 Entry", 90), ("学校 School", 250), ("抽签号 Draw", 370),
            ("工位号 Station", 430), ("成果号 Work", 500))


def _render(title: str, rows: list[dict[str, str]], stamp: str) -> bytes:
    with _render_lock:
        register_fonts()
        buf = io.BytesIO()
        c = Canvas(buf, pagesize=A4, invariant=1)
        c.setTitle(title)
        width, height = A4
        y = 0.0

        def header() -> float:
            draw_text(c, 40, height - 50, title, 14)
            draw_text(c, 40, height - 68, f"加密对照表（密封） Code mapping for the sealed envelope · {stamp}", 9)
            for label, x in _COLUMNS:
                draw_text(c, x, height - 92, label, 9)
            return height - 108

        y = header()
        for i, row in enumerate(rows, start=1):
            if y < 60:
                draw_text(c, 40, 40, "加密裁判 ______________   监督 ______________", 9)
                c.showPage()
                y = header()
            values = (str(i), row["entry"], row.get("school", "")[:18], row["draw_number"], row["station"],
                      row.get("work_code", ""))
            for (_, x), value in zip(_COLUMNS, values):
                draw_text(c, x, y, value, 9)
            y -= 15
        draw_text(c, 40, 40, "加密裁判 ______________   监督 ______________", 9)
        c.showPage()
        c.save()
        return buf.getvalue()


async def render(title: str, rows: list[dict[str, str]], stamp: str) -> bytes:
    return await asyncio.to_thread(_render, title, rows, stamp)
