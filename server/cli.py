"""The ``jineng`` command: run the service, migrate, load demo data, manage users, check the audit chain.

Scoring, certificate and key commands come from the domain cores (``scoring.cli``, ``certificates.cli``),
which register their own sub-commands here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import io
import os
import sys
from typing import Sequence

import msgspec
import uvicorn
from piccolo.apps.migrations.commands.forwards import run_forwards

import certificates.batch as certificates_batch
import certificates.cli as certificates_cli
import scoring.cli as scoring_cli
import server  # noqa: F401,I001  (sets PICCOLO_CONF before anything touches Piccolo)
import server.handlers  # noqa: F401,I001  (a transition run from a command meets the API's event handlers)
from server.accounts.schemas import UserIn
from server.accounts.services import create_user
from server.audit.checkpoints import audit_dir, write_checkpoint
from server.audit.services import verify_chain
from server.config import get_settings
from server.db import close_engine, prepare_engine
from server.demo.loader import is_empty, load_demo
from server.errors import DomainError
from server.issuing import cli as issuing_cli
from server.issuing.keyring import ensure_keys


def _run(coro):
    return asyncio.run(coro)


async def _upgrade(quiet: bool = False) -> None:
    if quiet:  # Piccolo prints per-app banners; keep `serve` output short
        with contextlib.redirect_stdout(io.StringIO()):
            result = await run_forwards("all")
    else:
        result = await run_forwards("all")
    if not result.success:
        raise SystemExit(f"migration failed: {result.message}")
    await prepare_engine()
    await close_engine()


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    _run(_upgrade())
    print("database is up to date")
    return 0


async def _demo(only_if_empty: bool) -> dict | None:
    if only_if_empty and not await is_empty():
        return None
    if not await is_empty():
        raise SystemExit("the database already holds data; the demo loads into an empty database only")
    return await load_demo()


def cmd_demo(args: argparse.Namespace) -> int:
    _run(_upgrade(quiet=True))
    made = _run(_demo(only_if_empty=False))
    print(f"demo data loaded: {made}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = get_settings()
    if args.workers > 1 and settings.engine != "postgres":
        print("--workers > 1 needs PostgreSQL (SQLite allows one writer process); set JINENG_DATABASE_URL.",
              file=sys.stderr)
        return 2
    _run(_upgrade(quiet=True))
    if args.demo_if_empty:
        made = _run(_demo(only_if_empty=True))
        if made:
            print(f"loaded demo data: {made['organizations']} organizations, {made['people']} people, "
                  f"{made['accounts']} accounts (password: see README, 'Demo accounts')")
    # a fresh installation can issue at once; an existing store is never replaced
    root = ensure_keys().root_public_key().hex()
    base = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}"
    where = settings.database_url if settings.engine == "sqlite" else "PostgreSQL"
    print(f"\nJineng is starting on {where}\n"
          f"  service     {base}/\n"
          f"  health      {base}/healthz\n"
          f"  verify      {base}/verify/   (certificates; QR codes open {base}/C/...)\n"
          f"  graduates   {base}/graduate/\n"
          f"  API docs    {base}/schema  (offline: {base}/schema/openapi.json)\n"
          f"  key set     {base}/.well-known/jineng-keys.json  (root key {root[:16]}…)\n", flush=True)
    uvicorn.run("server.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level=args.log_level, access_log=args.access_log, proxy_headers=True, **fast_server())
    return 0


def fast_server() -> dict[str, str]:
    """uvicorn's fast event loop and HTTP parser (uvloop, httptools: ``uvicorn[standard]``), named rather
    than left to "auto" so a missing one is a clear error instead of a silently slower server."""
    return {"loop": "uvloop", "http": "httptools"}


async def _create_user(args: argparse.Namespace, password: str) -> str:
    await prepare_engine()
    try:
        grants = [{"role": args.role, "organization_id": args.organization, "competition_id": args.competition}] \
            if args.role else []
        # convert() applies the same constraints as the API (username shape, password length)
        data = msgspec.convert({"username": args.username, "display_name": args.display_name or args.username,
                                "password": password, "grants": grants, "person_id": args.person}, UserIn)
        out = await create_user(None, data)
        return f"created user {out.username} (id {out.id}) with {len(out.grants)} grant(s)"
    finally:
        await close_engine()


def cmd_users_create(args: argparse.Namespace) -> int:
    password = args.password or os.environ.get("JINENG_NEW_PASSWORD") or getpass.getpass("password: ")
    try:
        print(_run(_create_user(args, password)))
    except DomainError as exc:
        print(f"error ({exc.code}): {exc.detail}", file=sys.stderr)
        return 1
    except Exception as exc:  # msgspec validation of the arguments
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


async def _with_engine(coro):
    await prepare_engine()
    try:
        return await coro
    finally:
        await close_engine()


def cmd_audit_verify(args: argparse.Namespace) -> int:
    report = _run(_with_engine(verify_chain()))
    anchored = (f"; checked against {report.checkpoints} signed checkpoint(s), the newest of entry "
                f"{report.anchored_seq}" if report.checkpoints else
                "; no signed checkpoint yet (run `jineng audit checkpoint`)")
    if report.ok:
        print(f"audit chain intact: {report.entries} entries{anchored}")
        return 0
    print(f"audit chain BROKEN ({len(report.problems)} problem(s) in {report.entries} entries{anchored}):")
    for p in report.problems:
        print(f"  entry {p.seq}: {p.problem}")
    return 1


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    made = _run(_with_engine(write_checkpoint()))
    if made is None:
        print("the audit chain is empty: nothing to sign yet")
        return 0
    print(f"signed checkpoint of entry {made.seq} (hash {made.hash[:16]}…) with the audit key "
          f"{made.public_key[:16]}…, appended to {audit_dir() / 'checkpoints.jsonl'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jineng",
        description="Jineng (技能): skills competitions, scoring and verifiable skill certificates.",
        epilog="The database is JINENG_DATABASE_URL (default: SQLite file var/jineng.sqlite).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = sub.add_parser("serve", help="migrate and run the HTTP service (uvicorn)",
                           description="Apply migrations, optionally load demo data, and serve the API and pages.")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes; >1 only on PostgreSQL")
    serve.add_argument("--demo-if-empty", action="store_true", help="load the demo data set into an empty database")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--no-access-log", dest="access_log", action="store_false",
                       help="do not log every request (errors and start-up are still logged)")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply every pending migration").set_defaults(func=cmd_db_upgrade)

    sub.add_parser("demo", help="load the demo data set (济宁市) into an empty database").set_defaults(func=cmd_demo)

    users = sub.add_parser("users", help="manage accounts").add_subparsers(dest="users_command", required=True)
    create = users.add_parser("create", help="create an account with one role grant",
                              description="Create an account. The password comes from --password, "
                                          "JINENG_NEW_PASSWORD or a prompt.")
    create.add_argument("username")
    create.add_argument("--display-name")
    create.add_argument("--password")
    create.add_argument("--role", choices=["admin", "organizer", "school_coordinator", "judge", "chief_judge",
                                           "encryption_officer", "supervisor", "graduate"])
    create.add_argument("--organization", type=int, help="organization id the role is scoped to")
    create.add_argument("--competition", type=int, help="competition id the role is scoped to")
    create.add_argument("--person", type=int, help="person id (graduate accounts)")
    create.set_defaults(func=cmd_users_create)

    audit = sub.add_parser("audit", help="audit log").add_subparsers(dest="audit_command", required=True)
    audit.add_parser("verify", help="recompute the hash chain and check it against the signed checkpoints; exit 1 "
                                    "if anything was edited, deleted, reordered or rewritten"
                     ).set_defaults(func=cmd_audit_verify)
    audit.add_parser("checkpoint", help="sign the chain's head with the audit key (outside the database) and "
                                        "append it to the checkpoint file").set_defaults(func=cmd_audit_checkpoint)

    # the cores and the issuing domain add their own commands
    for register in (scoring_cli.register, certificates_cli.register, certificates_batch.register, issuing_cli.register):
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
