"""Reading uploads off the event loop, in a worker process with a memory and a time limit.

Each upload is read by a fresh process forked from a *forkserver* that has openpyxl and this package
imported already (a fork costs milliseconds; a new interpreter would cost a second). The child lowers its
priority, sets ``RLIMIT_AS`` (its address space may grow by ``JINENG_SHEET_MEMORY_MB``, default 384) and
``RLIMIT_CPU``, reads the file (:func:`server.spreadsheets.reading.parse`) and sends back the rows or the
refusal; the server kills it when ``JINENG_SHEET_SECONDS`` (default 60) pass. At most two files are read
at once per server process; more wait in a queue, not on the event loop. So a hostile workbook costs the
server neither its event loop nor its memory: the parse, and whatever it allocates, is another process.

:func:`read_sheet_async` is what request handlers await; :func:`read_sheet` is the same for code already
in a thread (it blocks that thread).
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from server.errors import DomainError, megabytes
from server.spreadsheets.limits import check_container, too_large
from server.spreadsheets.model import Column, Sheet, UnsupportedFile
from server.spreadsheets.reading import _UNREADABLE, parse

try:
    import resource
except ImportError:  # pragma: no cover - POSIX only
    resource = None  # type: ignore[assignment]

log = logging.getLogger("jineng.spreadsheets")

DEFAULT_MEMORY_MB = 384
DEFAULT_SECONDS = 60
PARALLEL = 2  # files read at once by one server process

_pool = ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="jineng-sheet")
_context_lock = threading.Lock()
_context: Any = None


def _setting(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def memory_limit() -> int:
    """Bytes a reading process may add to its address space."""
    return _setting("JINENG_SHEET_MEMORY_MB", DEFAULT_MEMORY_MB) * 1024 * 1024


def time_limit() -> float:
    """Wall seconds a reading process may take (a fraction is allowed; the CPU limit is the whole seconds
    above it)."""
    try:
        seconds = float(os.environ.get("JINENG_SHEET_SECONDS", DEFAULT_SECONDS))
    except ValueError:
        return DEFAULT_SECONDS
    return seconds if 0.01 <= seconds < 86400 else DEFAULT_SECONDS


# --- in the child ------------------------------------------------------------------------------------

def _address_space() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _limit_self(memory: int, seconds: float) -> None:
    try:
        os.nice(10)  # the server's event loop comes first on a busy machine
    except OSError:
        pass
    if resource is None:
        return
    try:
        ceiling = _address_space() + memory
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        cpu = math.ceil(seconds)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    except (OSError, ValueError):
        pass


def _as_dict(exc: DomainError) -> dict[str, Any]:
    return {"status": exc.status, "title": exc.title, "detail": exc.detail, "code": exc.code, "field": exc.field,
            "errors": exc.errors, "extra": exc.extra}


def child_main(conn: Any, content: bytes, columns: list[Column], what: str, memory: int, seconds: float) -> None:
    _limit_self(memory, seconds)
    # openpyxl sizes every read-only sheet as it opens the workbook, and for a sheet without a <dimension>
    # (openpyxl's own write-only files, many generators) that parses the whole sheet once more; the reader
    # never asks for the size (it walks the rows the file holds), so this process skips it
    ReadOnlyWorksheet._get_size = lambda self: None  # type: ignore[method-assign]
    try:
        outcome: tuple[str, Any] = ("ok", parse(content, columns, what=what))
    except MemoryError:
        outcome = ("memory", None)
    except DomainError as exc:
        outcome = ("refused", _as_dict(exc))
    except Exception:
        outcome = ("unreadable", None)
    try:
        conn.send(outcome)
    except MemoryError:
        os._exit(3)
    conn.close()


# --- in the server -----------------------------------------------------------------------------------

def _ctx() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            # "__main__" first: the forkserver imports the main script once, so its children need not
            ctx.set_forkserver_preload(["__main__", "server.spreadsheets.worker"])
            _context = ctx
    return _context


def start() -> None:
    """Start the forkserver now (it imports this package once, ~1-2 s) rather than on the first upload."""
    _pool.submit(lambda: _ctx().Process(target=os.getpid).start()).result()


def _refusal(kind: str, payload: Any, memory: int, seconds: float, exitcode: int | None) -> DomainError:
    if kind == "refused":
        error = DomainError(payload["detail"], code=payload["code"], field=payload["field"],
                            errors=payload["errors"], extra=payload["extra"])
        error.status, error.title = payload["status"], payload["title"]
        return error
    if kind == "timeout" or exitcode == -signal.SIGXCPU:
        return too_large(f"Reading the workbook takes longer than {seconds:g} s, the limit for one upload. Delete "
                         "the unused rows and columns or split the file.", seconds, "seconds", "workbook_time_limit")
    if kind == "unreadable":
        return UnsupportedFile(_UNREADABLE, field="file")
    return too_large(f"Reading the workbook needs more than {megabytes(memory)} of memory, the limit for one "
                     "upload. Delete the unused rows and columns or split the file.", memory, "memory_bytes",
                     "workbook_memory_limit")


def _unavailable() -> DomainError:
    error = DomainError("The spreadsheet reader could not be started; try again in a moment.",
                        code="sheet_reader_unavailable", field="file")
    error.status, error.title = 503, "Service unavailable"
    return error


def _run(content: bytes, columns: Sequence[Column], what: str) -> Sheet:
    """In a pool thread: one child reads the file; its rows, or its refusal raised here."""
    memory, seconds = memory_limit(), time_limit()
    ctx = _ctx()
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=child_main, args=(sender, content, list(columns), what, memory, seconds),
                        daemon=True, name="jineng-sheet")
    try:
        child.start()
    except OSError:  # the forkserver could not be reached or the child died at once
        log.exception("could not start a spreadsheet reader")
        receiver.close()
        raise _unavailable() from None
    finally:
        sender.close()
    kind, payload = "memory", None
    try:
        if receiver.poll(seconds):
            try:
                kind, payload = receiver.recv()
            except (EOFError, OSError):  # the child died without a word: a limit killed it
                kind = "died"
        else:
            kind = "timeout"
    finally:
        child.join(2)
        if child.is_alive():
            child.kill()
            child.join(5)
        receiver.close()
    if kind == "ok":
        return payload
    raise _refusal(kind, payload, memory, seconds, child.exitcode)


def read_sheet(content: bytes, columns: Sequence[Column], *, what: str) -> Sheet:
    """The rows of an upload's first worksheet, read by a worker process; for code in a thread."""
    check_container(content)
    return _pool.submit(_run, content, columns, what).result()


async def read_sheet_async(content: bytes, columns: Sequence[Column], *, what: str) -> Sheet:
    """The rows of an upload's first worksheet, read by a worker process; the event loop only waits.

    The cheap checks (size, zip directory) run here; what needs decompressing runs in the worker."""
    check_container(content)
    return await asyncio.get_running_loop().run_in_executor(_pool, _run, content, columns, what)
