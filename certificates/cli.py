"""Command line for certificate keys and offline verification (wired into ``jineng`` by server/cli.py).

``register(subparsers)`` adds::

    jineng keys generate|rotate|list|publish      (--keys-dir DIR, default $JINENG_KEYS_DIR or ./var/keys)
    jineng keys retire KID | keys compromise KID --at TIME
    jineng verify <QR text | PDF | PNG> [--keyset FILE] [--status-list FILE] [--json]

Every sub-command sets ``func``; ``args.func(args)`` returns the exit code. ``python -m certificates.cli``
runs the same commands stand-alone.

Exit codes of ``verify``: 0 valid; 1 signature valid but status unknown; 3 not valid (revoked, suspended,
superseded, bad signature, unknown key, key not valid at issue, malformed, unsupported version);
2 the input or the trust files could not be used.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
from pathlib import Path
from typing import Any

import msgspec

from .keyset import KeySet, KeySetError, load_root_public_key
from .keystates import ISSUE_TZ
from .keystore import KEYS_DIR_ENV, KeyStore, KeyStoreError
from .status import StatusList, StatusListError
from .verify import VerificationResult, VerificationState, verify

__all__ = ["build_parser", "main", "register"]

ROOT_KEY_ENV = "JINENG_ROOT_KEY"

EXIT_VALID = 0
EXIT_STATUS_UNKNOWN = 1
EXIT_UNUSABLE = 2
EXIT_NOT_VALID = 3

_HEADLINES = {
    VerificationState.VALID: "VALID — 证书有效",
    VerificationState.VALID_STATUS_UNKNOWN: "SIGNATURE VALID, STATUS UNKNOWN — 签名有效，当前状态未知",
    VerificationState.REVOKED: "REVOKED — 证书已撤销",
    VerificationState.SUSPENDED: "SUSPENDED — 证书已暂停",
    VerificationState.SUPERSEDED: "SUPERSEDED — 证书已被更正后的证书取代",
    VerificationState.INVALID_SIGNATURE: "INVALID SIGNATURE — 签名无效（可能被篡改或伪造）",
    VerificationState.UNKNOWN_KEY: "UNKNOWN KEY — 签发密钥不在已发布的密钥集中",
    VerificationState.KEY_NOT_VALID_AT_ISSUE: "KEY NOT VALID AT ISSUE — 签发日期不在密钥有效期内",
    VerificationState.MALFORMED: "MALFORMED — 二维码内容格式错误",
    VerificationState.UNSUPPORTED_VERSION: "UNSUPPORTED VERSION — 不支持的证书版本",
}


def _parse_time(text: str) -> _dt.datetime:
    """ISO 8601 date or date-time; without an offset it is Beijing time (where certificates are issued)."""
    try:
        value = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r} (e.g. 2025-06-01T09:30+08:00)") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=ISSUE_TZ)


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


# ----------------------------------------------------------------------------------------------- verify


def _qr_texts(source: str, dpi: int) -> list[str]:
    """The QR texts to verify: from a PDF or image file, a text file, or the argument itself."""
    path = Path(source)
    if len(source) < 4096 and path.is_file():
        data = path.read_bytes()
        if data.startswith(b"%PDF"):
            from .qr import decode_pdf

            return decode_pdf(data, dpi=dpi)
        if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")):
            from .qr import decode_image

            return decode_image(data)
        return [data.decode("utf-8", "replace").strip()]
    return [source.strip()]


def _root_key(args: argparse.Namespace) -> bytes:
    if args.root_key:
        return load_root_public_key(args.root_key)
    if os.environ.get(ROOT_KEY_ENV):
        return load_root_public_key(os.environ[ROOT_KEY_ENV])
    store = KeyStore(args.keys_dir)
    if store.exists():
        return store.root_public_key()
    raise KeySetError(
        f"no pinned root key: pass --root-key HEX|FILE, set ${ROOT_KEY_ENV}, or point --keys-dir at a key store"
    )


def _print_result(result: VerificationResult, label: str | None) -> None:
    if label:
        print(f"[{label}]")
    mark = "✔" if result.valid else "✘"
    print(f"{mark} {_HEADLINES[result.state]}")
    if result.reason:
        print(f"  reason: {result.reason}")
    facts = result.facts
    if facts is not None:
        level_label = "职业技能等级" if facts.kind == "skill_level" else "奖项"
        work_label = "工种/职业方向" if facts.kind == "skill_level" else "赛项"
        rows = [
            ("证书名称", facts.title), ("证书编号", facts.number), ("姓名", facts.name),
            ("证件号码", facts.masked_id), ("职业", facts.occupation), (work_label, facts.work_type),
            (level_label, facts.level), ("发证日期", facts.issued_on.isoformat()), ("评价机构", facts.issuer),
        ]
        for title, value in rows:
            print(f"  {title}: {value}")
    if result.status is not None:
        status = result.status
        extra = f" ({status.reason})" if status.reason else ""
        if status.replacement_number or status.replacement_id:
            extra += f" → {status.replacement_number or ''} {status.replacement_id or ''}".rstrip()
        print(f"  status: {status.status.value}{extra} [{status.source}]")
    if result.key is not None:
        print(f"  signing key: kid {result.key.kid}, fingerprint {result.key.fingerprint}, {result.key.state}")
    for warning in result.warnings:
        print(f"  warning: {warning}")


def _exit_code(result: VerificationResult) -> int:
    if result.valid:
        return EXIT_VALID
    if result.state is VerificationState.VALID_STATUS_UNKNOWN:
        return EXIT_STATUS_UNKNOWN
    return EXIT_NOT_VALID


def _verify(args: argparse.Namespace) -> int:
    try:
        texts = _qr_texts(args.input, args.dpi)
        if not texts or not any(texts):
            print("no QR code found in the input", file=sys.stderr)
            return EXIT_UNUSABLE
        if args.keyset:
            keyset = KeySet.load(Path(args.keyset).read_bytes(), _root_key(args), min_sequence=args.min_sequence)
        else:
            store = KeyStore(args.keys_dir)
            if not store.exists():
                print("no --keyset given and no local key store: pass --keyset FILE", file=sys.stderr)
                return EXIT_UNUSABLE
            keyset = store.keyset()
        status_list = None
        if args.status_list:
            status_list = StatusList.load(
                Path(args.status_list).read_bytes(), _root_key(args), min_sequence=args.status_min_sequence
            )
    except (OSError, KeySetError, StatusListError, KeyStoreError, ValueError) as exc:
        print(f"cannot verify: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE

    results = [
        verify(text, keyset, status_list=status_list, now=args.at, expected_prefix=args.expected_prefix)
        for text in texts
    ]
    if args.json:
        payload: Any = results[0] if len(results) == 1 else results
        sys.stdout.write(msgspec.json.encode(payload).decode() + "\n")
    else:
        for i, result in enumerate(results):
            _print_result(result, f"QR code {i + 1} of {len(results)}" if len(results) > 1 else None)
    # Several QR codes (e.g. a multi-page PDF): the worst verdict decides.
    return max(_exit_code(r) for r in results)


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
        help=f"pinned root public key (default: ${ROOT_KEY_ENV}, else the local key store's root key)",
    )
    v.add_argument("--min-sequence", metavar="N", type=int, help="refuse key sets older than this sequence")
    v.add_argument("--status-list", metavar="FILE", help="signed status list JSON for offline status")
    v.add_argument("--status-min-sequence", metavar="N", type=int, help="refuse status lists older than this")
    v.add_argument("--expected-prefix", metavar="URL", help="warn when the QR points to another address")
    v.add_argument("--dpi", type=int, default=200, help="render resolution for PDF input (default 200)")
    v.add_argument("--at", metavar="TIME", type=_parse_time, default=None, help="verify as of TIME (default: now)")
    v.add_argument("--json", action="store_true", help="print the verification result as JSON")
    v.set_defaults(func=_verify)


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
