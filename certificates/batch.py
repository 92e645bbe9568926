"""Batch and off-loop rendering of certificates, and the ``certificates render`` CLI command.

* :func:`render_zip` / :func:`render_pdf` / :func:`render_batch` render many
  :class:`~certificates.view.CertificateView` objects with a process pool (fonts registered once per
  worker) into one ZIP of single-page PDFs (named by certificate number) or one multi-page PDF.
  Output does not depend on the number of workers.
* :func:`render_async` / :func:`render_many_async` let an async server await a PDF without blocking
  its event loop: rendering runs on one dedicated thread, because reportlab is not thread-safe.
* :func:`register` adds ``certificates render --input VIEWS.json --output OUT.zip|OUT.pdf
  [--workers N]`` to an argparse sub-command set.  VIEWS.json is a JSON list of CertificateView
  objects (``photo`` as base64, as msgspec encodes bytes).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures as cf
import hashlib
import multiprocessing
import os
import re
import sys
import tempfile
import threading
import time
import zipfile
from collections import deque
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Sequence

import msgspec

from .pdf import render_certificate, render_many
from .typeset import clean_text, register_fonts
from .view import CertificateRenderError, CertificateView

__all__ = [
    "Progress",
    "render_zip",
    "render_pdf",
    "render_batch",
    "merge_pdfs",
    "zip_member_names",
    "render_in_worker_thread",
    "render_async",
    "render_many_async",
    "shutdown_worker_thread",
    "register",
]

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each finished chunk (in the calling process)."""

ZIP_CHUNK = 25  # certificates per pool task for ZIP output
PDF_CHUNK = 100  # pages per pool task for one multi-page PDF (fixed: output must not depend on workers)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------------------------------
# Process pool
# --------------------------------------------------------------------------------------------------


def _init_worker() -> None:
    register_fonts()


def _render_files(views: list[CertificateView]) -> list[bytes]:
    out = []
    for v in views:
        try:
            out.append(render_certificate(v))
        except Exception as exc:
            raise CertificateRenderError(f"certificate {v.certificate_number!r}: {exc}") from None
    return out


def _render_document(views: list[CertificateView]) -> bytes:
    try:
        return render_many(views)
    except Exception:
        for v in views:  # name the certificate that failed
            try:
                render_certificate(v)
            except Exception as exc:
                raise CertificateRenderError(f"certificate {v.certificate_number!r}: {exc}") from None
        raise


def _chunks(views: Sequence[CertificateView], size: int) -> list[list[CertificateView]]:
    return [list(views[i:i + size]) for i in range(0, len(views), size)]


def _workers(workers: int | None) -> int:
    if workers is None:
        workers = os.cpu_count() or 1
    return max(1, int(workers))


def _run_chunks(fn, chunks: list[list[CertificateView]], workers: int, progress: Progress | None,
                total: int) -> Iterator:
    """Yield ``fn(chunk)`` results in chunk order, rendering on a pool of ``workers`` processes.

    At most ``4 * workers`` chunks are in flight, so results waiting to be consumed stay bounded.
    One worker, or a batch of at most two chunks, renders in this process instead.
    """
    done = 0
    if workers == 1 or len(chunks) <= 2:
        register_fonts()
        for chunk in chunks:
            result = fn(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
            yield result
        return
    # spawn: safe even when the caller (a server) runs threads; fonts load once per worker.
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker) as pool:
        pending: deque[tuple[int, cf.Future]] = deque()
        it = iter(chunks)
        try:
            for chunk in it:
                pending.append((len(chunk), pool.submit(fn, chunk)))
                if len(pending) >= 4 * workers:
                    break
            while pending:
                n, fut = pending.popleft()
                result = fut.result()
                done += n
                nxt = next(it, None)
                if nxt is not None:
                    pending.append((len(nxt), pool.submit(fn, nxt)))
                if progress:
                    progress(done, total)
                yield result
        finally:
            for _, fut in pending:
                fut.cancel()


# --------------------------------------------------------------------------------------------------
# ZIP of single-page PDFs
# --------------------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def zip_member_names(views: Sequence[CertificateView]) -> list[str]:
    """File names inside the ZIP: the certificate number made file-system safe, ``.pdf``; duplicates
    get ``-2``, ``-3``...; an empty number becomes ``certificate-<position>``."""
    names, used = [], set()
    for i, v in enumerate(views, 1):
        base = _UNSAFE.sub("_", clean_text(v.certificate_number)).strip("._") or f"certificate-{i}"
        base = base[:120]
        name, k = f"{base}.pdf", 1
        while name.lower() in used:
            k += 1
            name = f"{base}-{k}.pdf"
        used.add(name.lower())
        names.append(name)
    return names


def render_zip(views: Sequence[CertificateView], out: str | os.PathLike | BinaryIO, *,
               workers: int | None = None, progress: Progress | None = None,
               chunk_size: int = ZIP_CHUNK) -> int:
    """Render each view as its own PDF into one ZIP (stored, fixed timestamps: deterministic).

    ``out`` is a path (written atomically) or a writable binary file.  Returns the number of PDFs.
    """
    names = zip_member_names(views)
    chunks = _chunks(views, chunk_size)

    def write(fh: BinaryIO) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as zf:
            i = 0
            for pdfs in _run_chunks(_render_files, chunks, _workers(workers), progress, len(views)):
                for data in pdfs:
                    info = zipfile.ZipInfo(names[i], date_time=_ZIP_DATE)
                    info.external_attr = 0o644 << 16
                    zf.writestr(info, data)
                    i += 1

    _write_output(out, write)
    return len(views)


# --------------------------------------------------------------------------------------------------
# One multi-page PDF
# --------------------------------------------------------------------------------------------------


def render_pdf(views: Sequence[CertificateView], out: str | os.PathLike | BinaryIO, *,
               workers: int | None = None, progress: Progress | None = None) -> int:
    """Render all views into one multi-page PDF (page order = input order).

    Workers render fixed-size chunks as multi-page PDFs that :func:`merge_pdfs` joins, so the bytes
    are the same whatever the number of workers.  Returns the number of pages.
    """
    if not views:
        raise ValueError("no certificates to render")
    chunks = _chunks(views, PDF_CHUNK)

    def write(fh: BinaryIO) -> None:
        parts = list(_run_chunks(_render_document, chunks, _workers(workers), progress, len(views)))
        fh.write(parts[0] if len(parts) == 1 else merge_pdfs(parts))

    _write_output(out, write)
    return len(views)


def render_batch(views: Sequence[CertificateView], output: str | os.PathLike, *,
                 workers: int | None = None, progress: Progress | None = None) -> int:
    """:func:`render_zip` for ``*.zip``, :func:`render_pdf` for ``*.pdf``."""
    suffix = Path(output).suffix.lower()
    if suffix == ".zip":
        return render_zip(views, output, workers=workers, progress=progress)
    if suffix == ".pdf":
        return render_pdf(views, output, workers=workers, progress=progress)
    raise ValueError(f"output must end in .zip or .pdf, not {suffix or 'nothing'!r}")


def _write_output(out: str | os.PathLike | BinaryIO, write: Callable[[BinaryIO], None]) -> None:
    if hasattr(out, "write"):
        write(out)  # type: ignore[arg-type]
        return
    path = Path(out)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# PDF merging.  Only for documents written by reportlab's Canvas, as certificates.pdf writes them: a
# classic cross-reference table, no object streams, no incremental updates, one flat page tree.

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_XREF_HEAD = re.compile(rb"xref\s+0\s+(\d+)\s+")
_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_OBJ_HEAD = re.compile(rb"(\d+) 0 obj\s")
_STREAM = re.compile(rb">>\s*stream\r?\n")
# strings are skipped; references and subset tags (ABCDEF+) are rewritten
_TOKENS = re.compile(rb"\((?:\\.|[^\\()])*\)|<[0-9A-Fa-f\s]*>|(\d+) 0 R|/([A-Z]{6})\+", re.S)


class _Part:
    def __init__(self, data: bytes):
        m = _STARTXREF.search(data[-64:])
        if not m:
            raise ValueError("not a reportlab PDF: no startxref")
        xref_pos = int(m.group(1))
        head = _XREF_HEAD.match(data, xref_pos)
        if not head:
            raise ValueError("not a reportlab PDF: no classic xref table")
        pos, offsets = head.end(), {}
        for num in range(int(head.group(1))):
            e = _XREF_ENTRY.match(data, pos)
            if not e:
                raise ValueError("bad xref entry")
            if e.group(3) == b"n":
                offsets[num] = int(e.group(1))
            pos = e.end() + 2  # EOL of the 20-byte entry
        trailer = data[pos:]
        self.root = int(re.search(rb"/Root (\d+) 0 R", trailer).group(1))
        info = re.search(rb"/Info (\d+) 0 R", trailer)
        self.info = int(info.group(1)) if info else None
        order = sorted(offsets.items(), key=lambda kv: kv[1])
        self.objects: dict[int, bytes] = {}
        for k, (num, off) in enumerate(order):
            end = order[k + 1][1] if k + 1 < len(order) else xref_pos
            raw = data[off:end]
            h = _OBJ_HEAD.match(raw)
            if not h or int(h.group(1)) != num:
                raise ValueError(f"object {num} not at its xref offset")
            self.objects[num] = raw[h.end():raw.rindex(b"endobj")].strip(b"\r\n")
        root = self.objects[self.root]
        self.pages = int(re.search(rb"/Pages (\d+) 0 R", root).group(1))
        kids = re.search(rb"/Kids \[([^\]]*)\]", self.objects[self.pages]).group(1)
        self.kids = [int(k) for k in re.findall(rb"(\d+) 0 R", kids)]


def _subset_tag(part: int, tag: bytes) -> bytes:
    """A distinct 6-letter subset tag per (part, original tag): equal tags in different parts name
    different subsets, which some readers would confuse."""
    n = int.from_bytes(hashlib.sha256(b"%d:" % part + tag).digest()[:8], "big")
    out = bytearray()
    for _ in range(6):
        n, r = divmod(n, 26)
        out.append(65 + r)
    return bytes(out)


def _rewrite(body: bytes, mapping: dict[int, int], part: int) -> bytes:
    s = _STREAM.search(body)
    head, tail = (body[:s.end()], body[s.end():]) if s else (body, b"")

    def sub(m: re.Match) -> bytes:
        if m.group(1) is not None:
            return b"%d 0 R" % mapping[int(m.group(1))]
        if m.group(2) is not None:
            return b"/" + _subset_tag(part, m.group(2)) + b"+"
        return m.group(0)

    return _TOKENS.sub(sub, head) + tail


def merge_pdfs(parts: Sequence[bytes]) -> bytes:
    """Concatenate the pages of reportlab-written PDFs into one document (deterministic).

    Catalog and document info come from the first part; font subsets get part-specific tags.
    """
    parsed = [_Part(p) for p in parts]
    out_objects: list[bytes] = [b"", b""]  # 1: catalog, 2: page tree
    kids: list[int] = []
    info_ref = None
    for i, part in enumerate(parsed):
        skip = {part.root, part.pages} | ({part.info} if i and part.info else set())
        mapping: dict[int, int] = {part.pages: 2, part.root: 1}
        for num in sorted(part.objects):
            if num not in skip:
                out_objects.append(b"")
                mapping[num] = len(out_objects)
        for num, new in mapping.items():
            if num not in skip:
                out_objects[new - 1] = _rewrite(part.objects[num], mapping, i)
        if i == 0:
            out_objects[0] = _rewrite(part.objects[part.root], mapping, 0)
            info_ref = mapping.get(part.info) if part.info else None
        kids += [mapping[k] for k in part.kids]
    out_objects[1] = b"<< /Count %d /Kids [ %s ] /Type /Pages >>" % (
        len(kids), b" ".join(b"%d 0 R" % k for k in kids))

    buf = bytearray(b"%PDF-1.4\n%\x93\x8c\x8b\x9e Jineng certificates (reportlab pages)\n")
    offsets = []
    for num, body in enumerate(out_objects, 1):
        offsets.append(len(buf))
        buf += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(buf)
    buf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(out_objects) + 1)
    for off in offsets:
        buf += b"%010d 00000 n \n" % off
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest().encode()
    buf += b"trailer\n<< /ID [<%s><%s>] " % (digest, digest)
    if info_ref:
        buf += b"/Info %d 0 R " % info_ref
    buf += b"/Root 1 0 R /Size %d >>\nstartxref\n%d\n%%%%EOF\n" % (len(out_objects) + 1, xref)
    return bytes(buf)


# --------------------------------------------------------------------------------------------------
# Off the event loop
# --------------------------------------------------------------------------------------------------

_thread_lock = threading.Lock()
_thread_pool: cf.ThreadPoolExecutor | None = None


def _executor() -> cf.ThreadPoolExecutor:
    global _thread_pool
    with _thread_lock:
        if _thread_pool is None:
            _thread_pool = cf.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="jineng-pdf", initializer=register_fonts)
        return _thread_pool


def render_in_worker_thread(view: CertificateView) -> cf.Future[bytes]:
    """Start rendering ``view`` on the dedicated PDF thread; returns a concurrent Future."""
    return _executor().submit(render_certificate, view)


async def render_async(view: CertificateView) -> bytes:
    """Render one certificate without blocking the running event loop (one PDF thread per process)."""
    return await asyncio.get_running_loop().run_in_executor(_executor(), render_certificate, view)


async def render_many_async(views: Sequence[CertificateView]) -> bytes:
    """Multi-page PDF, rendered on the dedicated PDF thread."""
    return await asyncio.get_running_loop().run_in_executor(_executor(), render_many, list(views))


def shutdown_worker_thread(wait: bool = True) -> None:
    """Stop the PDF thread (e.g. in the server's shutdown hook); it restarts on next use."""
    global _thread_pool
    with _thread_lock:
        pool, _thread_pool = _thread_pool, None
    if pool is not None:
        pool.shutdown(wait=wait)


# --------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``certificates render`` to ``subparsers``; handlers are set with ``set_defaults(func=...)``."""
    parser = subparsers.add_parser("certificates", help="certificate tools")
    sub = parser.add_subparsers(dest="certificates_command", metavar="COMMAND", required=True)
    render = sub.add_parser(
        "render",
        help="render certificate views to a ZIP of PDFs or one multi-page PDF",
        description="Render a JSON list of CertificateView objects.  OUT.zip holds one PDF per "
                    "certificate, named by certificate number; OUT.pdf is one multi-page PDF.",
    )
    render.add_argument("--input", required=True, type=Path, metavar="VIEWS.json")
    render.add_argument("--output", required=True, type=Path, metavar="OUT.zip|OUT.pdf")
    render.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: number of CPUs)")
    render.set_defaults(func=_cmd_render)
    return parser


def _cmd_render(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, \
        TimeElapsedColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if args.output.suffix.lower() not in (".zip", ".pdf"):
        console.print(f"[red]--output must end in .zip or .pdf: {args.output}")
        return 2
    if args.workers is not None and args.workers < 1:
        console.print("[red]--workers must be at least 1")
        return 2
    try:
        views = msgspec.json.decode(args.input.read_bytes(), type=list[CertificateView])
    except OSError as exc:
        console.print(f"[red]cannot read {args.input}: {exc.strerror or exc}")
        return 2
    except msgspec.ValidationError as exc:
        console.print(f"[red]{args.input}: invalid certificate view: {exc}")
        return 2
    except msgspec.DecodeError as exc:
        console.print(f"[red]{args.input}: not valid JSON: {exc}")
        return 2
    if not views:
        console.print(f"[red]{args.input}: no certificates")
        return 2

    start = time.perf_counter()
    columns = (TextColumn("[bold]rendering"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    with RichProgress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("render", total=len(views))
        try:
            n = render_batch(views, args.output, workers=args.workers,
                             progress=lambda done, total: bar.update(task, completed=done))
        except (CertificateRenderError, ValueError, OSError) as exc:
            console.print(f"[red]failed: {exc}")
            return 1
    elapsed = time.perf_counter() - start
    console.print(f"wrote {n} certificate(s) to {args.output} in {elapsed:.1f} s "
                  f"({n / elapsed:.0f}/s)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry (``python -m certificates.batch certificates render ...``) until the
    ``jineng`` CLI wires :func:`register` in."""
    parser = argparse.ArgumentParser(prog="jineng")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
