"""``jineng issuing …``: issue and manage certificates from the command line (as the system, audited).

::

    jineng issuing passes PASSES.xlsx --issuer ORG_ID [--issued-on DATE] [--dry-run]
    jineng issuing results RESULTS.json --event EVENT_ID [--issuer ORG_ID] [--issued-on DATE]
    jineng issuing revoke|suspend|reinstate CERT --reason TEXT      (CERT: cert_id or row id)
    jineng issuing keyset --output FILE                             (the published, root-signed key set)

Exit codes: 0 done, 1 refused (the problem is printed with its code), 2 unusable input file.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import sys
from pathlib import Path

import msgspec

from scoring.results_format import decode_results
from server.db import close_engine, prepare_engine
from server.errors import DomainError
from server.issuing.from_results import issue_from_results
from server.issuing.keyring import published_keyset
from server.issuing.passes import issue_from_spreadsheet
from server.issuing.schemas import ResultsIssueIn
from server.issuing.status import change_status

__all__ = ["register"]


def _date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


async def _with_db(work):
    await prepare_engine()
    try:
        return await work()
    finally:
        await close_engine()


def _run(work) -> int:
    try:
        asyncio.run(_with_db(work))
    except DomainError as exc:
        print(f"error ({exc.code}): {exc.detail}", file=sys.stderr)
        for item in (exc.errors or [])[:50]:
            where = ", ".join(f"{k} {item[k]}" for k in ("row", "column", "field") if item.get(k))
            print(f"  {where}: {item.get('message', '')}", file=sys.stderr)
        return 1
    return 0


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return None


def _print_batch(batch) -> None:
    what = "would issue" if batch.dry_run else f"batch {batch.id}: issued"
    print(f"{what} {batch.certificate_count} certificate(s)")
    for c in batch.certificates:
        print(f"  {c.number}  {c.title}  {c.name}  {c.level_name}  {c.verification_code}")
    for p in batch.promotions:
        print(f"  promotion of person {p.person_id}: {p.status} ({p.reason})")
    for s in batch.skipped:
        print(f"  skipped entry {s.entry_id} person {s.person_id}: {s.message}")


def _passes(args: argparse.Namespace) -> int:
    content = _read(args.file)
    if content is None:
        return 2

    async def work():
        _print_batch(await issue_from_spreadsheet(None, content, issuer_id=args.issuer, issued_on=args.issued_on,
                                                  filename=args.file.name, dry_run=args.dry_run))

    return _run(work)


def _results(args: argparse.Namespace) -> int:
    content = _read(args.file)
    if content is None:
        return 2
    try:
        document = decode_results(content)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        print(f"{args.file}: not a jineng.results/1 document: {exc}", file=sys.stderr)
        return 2

    async def work():
        _print_batch(await issue_from_results(None, ResultsIssueIn(
            event_id=args.event, results=document, issuer_id=args.issuer, issued_on=args.issued_on)))

    return _run(work)


def _status(action: str):
    def handler(args: argparse.Namespace) -> int:
        async def work():
            out = await change_status(None, args.certificate, action, args.reason)
            print(f"{out.number} is now {out.status}")

        return _run(work)

    return handler


def _keyset(args: argparse.Namespace) -> int:
    async def work():
        args.output.write_bytes(await published_keyset())
        print(f"wrote the published key set to {args.output}")

    return _run(work)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("issuing", help="issue and manage certificates (server side)",
                                   description="Issue certificates into the database and manage their status.")
    sub = parser.add_subparsers(dest="issuing_command", metavar="COMMAND", required=True)

    p = sub.add_parser("passes", help="skill-level certificates from a spreadsheet of assessment passes",
                       description="All rows valid, or nothing is issued; problems name row and column.")
    p.add_argument("file", type=Path, metavar="PASSES.xlsx")
    p.add_argument("--issuer", type=int, required=True, help="organization id of the evaluation body (评价机构)")
    p.add_argument("--issued-on", type=_date, help="发证日期 (default: today, Beijing time)")
    p.add_argument("--dry-run", action="store_true", help="validate only")
    p.set_defaults(func=_passes)

    p = sub.add_parser("results", help="award (and promoted skill-level) certificates from a results file",
                       description="Entries are registration entry ids of the event; already certified entries "
                                   "are skipped.")
    p.add_argument("file", type=Path, metavar="RESULTS.json")
    p.add_argument("--event", type=int, required=True, help="event id")
    p.add_argument("--issuer", type=int, help="organization id (default: the competition's host)")
    p.add_argument("--issued-on", type=_date)
    p.set_defaults(func=_results)

    for action, text in (("revoke", "revoke for good"), ("suspend", "suspend"), ("reinstate", "reinstate")):
        p = sub.add_parser(action, help=f"{text} a certificate (by cert_id or row id)")
        p.add_argument("certificate", metavar="CERT")
        p.add_argument("--reason", required=True)
        p.set_defaults(func=_status(action))

    p = sub.add_parser("keyset", help="write the published, root-signed key set (as /.well-known serves it)")
    p.add_argument("--output", "-o", type=Path, required=True)
    p.set_defaults(func=_keyset)
