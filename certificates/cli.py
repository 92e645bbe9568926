"""Command line for certificate keys, status lists and offline verification (wired into ``jineng`` by
server/cli.py): the parsers, and the ``keys`` commands; ``verify`` runs in :mod:`certificates.verify_cli`.

``register(subparsers)`` adds::

    jineng keys generate|rotate|list|publish      (--keys-dir DIR, default $JINENG_KEYS_DIR or ./var/keys)
    jineng keys retire KID | keys compromise KID --at TIME
    jineng keys status-list --input STATUSES --sequence N --output FILE
    jineng verify <QR text | PDF | PNG> [--keyset FILE] [--status-list FILE] [--json]

``keys status-list`` writes the root-signed status list that ``verify --status-list`` reads, from a plain
file of ``STATUS_INDEX STATUS`` lines, so offline verification does not need the server to make one.
``verify`` prints the display names the key set signs for the codes in the record (issuer, occupation,
work type / event) and says so where it has only the code.

Every sub-command sets ``func``; ``args.func(args)`` returns the exit code. ``python -m certificates.cli``
runs the same commands stand-alone.

Exit codes of ``verify``: 0 valid; 1 signature valid but status unknown; 3 not valid (revoked, suspended,
superseded, bad signature, unknown key, key not valid at issue, malformed, unsupported version);
2 the input or the trust files could not be used. The ``keys`` commands exit 1 with a message (no
traceback) when the store, an input file or a reference cannot be used.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
from pathlib import Path
from typing import Any

import msgspec

from . import verify_cli
from .keyset import KeySet, KeySetError
from .keystates import ISSUE_TZ
from .keystore import KEYS_DIR_ENV, KeyStore, KeyStoreError
from .status import CertStatus, StatusList, build_status_list, parse_status_entries

__all__ = ["build_parser", "main", "register"]


def _parse_time(text: str) -> _dt.datetime:
    """ISO 8601 date or date-time; without an offset it is Beijing time (where certificates are issued)."""
    try:
        value = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r} (e.g. 2025-06-01T09:30+08:00)") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=ISSUE_TZ)


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def _store(args: argparse.Namespace) -> KeyStore:
    return KeyStore(args.keys_dir)


def _fmt_time(value: _dt.datetime | None) -> str:
    return value.astimezone(ISSUE_TZ).strftime("%Y-%m-%d %H:%M %Z") if value else "-"


# ------------------------------------------------------------------------------------------------- keys


def _keys_generate(args: argparse.Namespace) -> int:
    store = _store(args)
    existed = store.exists()
    info = store.generate()
    print(f"{'key store already present' if existed else 'created key store'} at {store.directory}")
    print(f"root public key: {store.root_public_key().hex()}")
    print(f"active signing key: kid {info.kid}, fingerprint {info.fingerprint}")
    return 0


def _keys_rotate(args: argparse.Namespace) -> int:
    info = _store(args).rotate()
    print(f"new active signing key: kid {info.kid}, fingerprint {info.fingerprint}; the previous key is retired")
    print("publish the key set again so verifiers learn the new key: jineng keys publish --output FILE")
    return 0


def _keys_retire(args: argparse.Namespace) -> int:
    info = _store(args).retire(args.kid)
    print(f"retired key {info.fingerprint} (kid {info.kid}); it still verifies certificates it signed")
    print("no key is active now; run `jineng keys rotate` before issuing certificates")
    return 0


def _keys_compromise(args: argparse.Namespace) -> int:
    store = _store(args)
    was_active = store.find(args.kid).state.value == "active"
    info = store.compromise(args.kid, args.at)
    print(f"marked key {info.fingerprint} (kid {info.kid}) compromised from {_fmt_time(info.compromised_at)}")
    print("certificates it signed on or after that day no longer verify; publish the key set now")
    if was_active:
        print("it was the active key: run `jineng keys rotate` before issuing certificates")
    return 0


def _keys_list(args: argparse.Namespace) -> int:
    store = _store(args)
    keys = store.list_keys()
    if args.json:
        payload = {"root_public_key": store.root_public_key().hex(), "keys": keys}
        sys.stdout.write(msgspec.json.format(msgspec.json.encode(payload), indent=2).decode() + "\n")
        return 0
    print(f"key store: {store.directory}")
    print(f"root public key: {store.root_public_key().hex()}")
    print(f"{'KID':4}  {'FINGERPRINT':16}  {'STATE':11}  {'ACTIVE FROM':20}  {'RETIRED AT':20}  COMPROMISED AT")
    for k in keys:
        print(
            f"{k.kid:4}  {k.fingerprint:16}  {k.state.value:11}  {_fmt_time(k.active_from):20}  "
            f"{_fmt_time(k.retired_at):20}  {_fmt_time(k.compromised_at)}"
        )
    return 0


def _keys_publish(args: argparse.Namespace) -> int:
    store = _store(args)
    if args.names is not None:
        names = msgspec.json.decode(Path(args.names).read_bytes(), type=dict[str, dict[str, str]])
        store.set_names(names)
    document = store.publish(valid_for=_dt.timedelta(days=args.valid_days))
    output = Path(args.output)
    output.write_bytes(document)
    keyset = KeySet.load(document, store.root_public_key())
    print(f"wrote key set #{keyset.sequence} with {len(keyset.keys)} key(s) to {output}")
    print(f"next update due {_fmt_time(keyset.next_update)}; verifiers pin root key {store.root_public_key().hex()}")
    return 0


def _keys_status_list(args: argparse.Namespace) -> int:
    store = _store(args)
    entries = parse_status_entries(Path(args.input).read_text(encoding="utf-8-sig"))
    document = build_status_list(
        {i: s for i, s in entries.items() if s is not CertStatus.VALID}, keystore=store, sequence=args.sequence,
        now=args.issued_at, valid_for=_dt.timedelta(days=args.valid_days),
    )
    output = Path(args.output)
    output.write_bytes(document)
    status_list = StatusList.load(document, store.root_public_key())
    counts = {s: sum(1 for v in entries.values() if v is s) for s in CertStatus if s is not CertStatus.VALID}
    listed = ", ".join(f"{n} {s.value}" for s, n in counts.items())
    print(f"wrote status list #{status_list.sequence} ({status_list.size} entries: {listed}; all others valid) "
          f"to {output}")
    print(f"issued {_fmt_time(status_list.issued_at)}, next update due {_fmt_time(status_list.next_update)}; "
          "it speaks for certificates issued before its issue day")
    return 0


# --------------------------------------------------------------------------------------------- register


def _keys_dir_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--keys-dir",
        metavar="DIR",
        default=None,
        help=f"key store directory (default: ${KEYS_DIR_ENV}, else ./var/keys)",
    )
    return parent


def _guard(handler: Any) -> Any:
    """Turn expected key-store errors into a message and exit code 1 instead of a traceback."""

    def run(args: argparse.Namespace) -> int:
        try:
            return int(handler(args))
        except (KeyStoreError, KeySetError, OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1

    run.__doc__ = handler.__doc__
    return run


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``keys`` and ``verify`` commands to an argparse sub-parser collection."""
    parent = _keys_dir_parent()
    formatter = argparse.RawDescriptionHelpFormatter

    keys = subparsers.add_parser(
        "keys",
        help="manage certificate signing keys and publish the key set",
        description=(
            "Manage the certificate key store: a root key that signs the published key set, and Ed25519\n"
            "signing keys (one active at a time; retired and compromised keys stay published so old\n"
            "certificates keep verifying). Private keys are PEM files with mode 0600."
        ),
        formatter_class=formatter,
    )
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="COMMAND", required=True)

    p = keys_sub.add_parser(
        "generate", parents=[parent], help="create the root key and a first signing key (idempotent)",
        description="Create the key store with a root key and an active signing key. Does nothing if both exist.",
    )
    p.set_defaults(func=_guard(_keys_generate))

    p = keys_sub.add_parser(
        "rotate", parents=[parent], help="make a new active signing key; the old one becomes retired",
        description="Generate a new active signing key. The previous active key is retired: it keeps verifying "
        "certificates issued while it was active. Publish the key set afterwards.",
    )
    p.set_defaults(func=_guard(_keys_rotate))

    p = keys_sub.add_parser(
        "retire", parents=[parent], help="retire the active key without replacing it",
        description="Retire a key: it signs no more but verifies what it signed during its active window.",
    )
    p.add_argument("kid", metavar="KID", help="kid (4 hex digits) or fingerprint prefix of the key")
    p.set_defaults(func=_guard(_keys_retire))

    p = keys_sub.add_parser(
        "compromise", parents=[parent], help="mark a key compromised from a point in time",
        description="Mark a key compromised. Certificates it signed with an issue date on or after the day of "
        "--at are rejected; earlier ones verify (and, where the server supplies its issuance log, only those "
        "in the log).",
        formatter_class=formatter,
        epilog="TIME is ISO 8601, e.g. 2025-06-01T09:30+08:00; without an offset it is Beijing time.",
    )
    p.add_argument("kid", metavar="KID", help="kid (4 hex digits) or fingerprint prefix of the key")
    p.add_argument("--at", metavar="TIME", type=_parse_time, required=True, help="when the key was compromised")
    p.set_defaults(func=_guard(_keys_compromise))

    p = keys_sub.add_parser(
        "list", parents=[parent], help="show the root key and every signing key with its state",
        description="List the root public key and all signing keys with their states and windows.",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_guard(_keys_list))

    p = keys_sub.add_parser(
        "publish", parents=[parent], help="write the root-signed key set for verifiers",
        description="Write the next key set document (sequence + 1), signed by the root key. Verifiers pin the "
        "root public key and refuse key sets older than the last one they accepted.",
    )
    p.add_argument("--output", "-o", metavar="FILE", required=True, help="where to write the key set JSON")
    p.add_argument("--valid-days", metavar="N", type=int, default=7, help="days until next_update (default 7)")
    p.add_argument(
        "--names", metavar="FILE",
        help='JSON {"issuer": {"137": "…"}, "occupation": {"6-31-01-03": "电工"}, "work_type": {…}} of display '
        "names to publish (stored for later publishes)",
    )
    p.set_defaults(func=_guard(_keys_publish))

    p = keys_sub.add_parser(
        "status-list", parents=[parent], help="write a root-signed status list for offline verification",
        description=(
            "Write a root-signed status list (the file `jineng verify --status-list` reads) from a plain file\n"
            "of certificate statuses, with the key store's root key. Each line of STATUSES is\n"
            "\n"
            "    STATUS_INDEX STATUS        e.g.  77 revoked\n"
            "\n"
            "separated by a comma, tab or spaces; STATUS is valid, revoked, suspended or superseded; '#' starts a\n"
            "comment; a first line 'status_index,status' is a header. Slots not listed are valid. A\n"
            "certificate's STATUS_INDEX is signed in its QR code (`jineng verify --json`: facts.status_index)."
        ),
        epilog=(
            "The list only speaks for certificates issued before its issue day, and not after --valid-days:\n"
            "both give 'status unknown', never 'valid'. Verifiers refuse a list whose --sequence is lower\n"
            "than one they already hold (--status-min-sequence), so each new list needs a higher N. The\n"
            "server numbers the lists it serves at /.well-known/jineng-status.json on its own: do not mix\n"
            "both for one root key, or start above the server's.\n"
            "example:\n"
            "  jineng keys status-list --input statuses.txt --sequence 1 --output status.json\n"
            "  jineng verify certificate.pdf --keyset keyset.json --status-list status.json"
        ),
        formatter_class=formatter,
    )
    p.add_argument("--input", "-i", metavar="STATUSES", required=True, help="file of 'STATUS_INDEX STATUS' lines")
    p.add_argument("--sequence", metavar="N", type=_positive, required=True,
                   help="the list's sequence number (1 or more; higher than any list verifiers hold)")
    p.add_argument("--output", "-o", metavar="FILE", required=True, help="where to write the status list JSON")
    p.add_argument("--valid-days", metavar="D", type=_positive, default=1, help="days until next_update (default 1)")
    p.add_argument("--issued-at", metavar="TIME", type=_parse_time, default=None,
                   help="issue time of the list (ISO 8601; default: now)")
    p.set_defaults(func=_guard(_keys_status_list))

    v = subparsers.add_parser(
        "verify", parents=[parent],
        help="verify a certificate offline from its QR text, PDF or PNG",
        description=(
            "Verify a certificate without the network: checks the Ed25519 signature against a cached,\n"
            "root-signed key set, the signing key's state at the issue date, the certificate number\n"
            "against the signed level and year, and (with --status-list) a signed status list.\n"
            "Without a fresh status the best verdict is 'signature valid, status unknown'."
        ),
        epilog=(
            "exit codes: 0 valid; 1 signature valid but status unknown; 3 not valid;\n"
            "            2 input, key set or status list unusable\n"
            "examples:\n"
            "  jineng verify certificate.pdf --keyset keyset.json --root-key ROOT_HEX\n"
            "  jineng verify 'HTTP://127.0.0.1:8000/C/AE…' --keyset keyset.json --status-list status.json --json"
        ),
        formatter_class=formatter,
    )
    v.add_argument("input", metavar="QR_TEXT|PDF|PNG", help="the scanned QR text, or a PDF / image file to scan")
    v.add_argument("--keyset", metavar="FILE", help="published key set JSON (default: the local key store)")
    v.add_argument(
        "--root-key", metavar="HEX|FILE",
        help=f"pinned root public key (default: ${verify_cli.ROOT_KEY_ENV}, else the local key store's root key)",
    )
    v.add_argument("--min-sequence", metavar="N", type=int, help="refuse key sets older than this sequence")
    v.add_argument("--status-list", metavar="FILE", help="signed status list JSON for offline status")
    v.add_argument("--status-min-sequence", metavar="N", type=int, help="refuse status lists older than this")
    v.add_argument("--expected-prefix", metavar="URL", help="warn when the QR points to another address")
    v.add_argument("--dpi", type=int, default=200, help="render resolution for PDF input (default 200)")
    v.add_argument("--at", metavar="TIME", type=_parse_time, default=None, help="verify as of TIME (default: now)")
    v.add_argument("--json", action="store_true", help="print the verification result as JSON")
    v.set_defaults(func=verify_cli.run)


def build_parser() -> argparse.ArgumentParser:
    """A stand-alone parser with just these commands (``python -m certificates.cli``)."""
    parser = argparse.ArgumentParser(prog="jineng", description="Jineng certificate keys and verification")
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; returns its exit code."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
