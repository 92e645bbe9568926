"""The ``jineng verify`` command: verify a certificate offline and print what it says (parser: :mod:`certificates.cli`).

Input is the QR text itself, a PDF (pages rendered with pypdfium2) or an image; every QR code found is
verified against a root-signed key set (``--keyset``, else the local key store) and, with ``--status-list``,
a root-signed status list. The printed facts are the signed ones: the codes in the record with the display
names the key set signs for them (``names``: issuer, occupation, work type / event); where it has none, the
code is printed with a note that only the id is known.

Exit codes: 0 valid; 1 signature valid but status unknown; 3 not valid (revoked, suspended, superseded, bad
signature, unknown key, key not valid at issue, malformed, unsupported version); 2 the input or the trust
files could not be used. Several QR codes (a multi-page PDF): the worst verdict decides.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import msgspec

from .keyset import KeySet, KeySetError, load_root_public_key
from .keystore import KeyStore, KeyStoreError
from .names import FIELD_LABELS as LABEL
from .status import StatusList, StatusListError
from .verify import SignedFacts, VerificationResult, VerificationState, verify

__all__ = [
    "EXIT_NOT_VALID",
    "EXIT_STATUS_UNKNOWN",
    "EXIT_UNUSABLE",
    "EXIT_VALID",
    "ROOT_KEY_ENV",
    "exit_code",
    "fact_rows",
    "print_result",
    "run",
]

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


_ID_ONLY = "[id only: the key set has no signed name for it]"


def _named(keyset: KeySet, category: str, code: str, *, keep_code: bool = False) -> tuple[str, bool]:
    """(what to print for a code, whether a signed name was found)."""
    name = keyset.display_name(category, code)
    if name is None:
        return f"{code} {_ID_ONLY}", False
    return (f"{code} {name}" if keep_code else name), True


def fact_rows(facts: SignedFacts, keyset: KeySet) -> tuple[list[tuple[str, str]], bool]:
    """The signed facts as (label, value) rows, with display names from the key set; and whether every code
    had a name."""
    skill = facts.kind == "skill_level"
    named = []
    occupation = facts.occupation_code
    if occupation != "--":
        occupation, ok = _named(keyset, "occupation", occupation, keep_code=True)
        named.append(ok)
    work = "--"
    if facts.work_type_code:
        work, ok = _named(keyset, "work_type", str(facts.work_type_code))
        named.append(ok)
    issuer, ok = _named(keyset, "issuer", str(facts.issuer_code))
    named.append(ok)
    rows = [
        (LABEL["title"], facts.title), (LABEL["number"], facts.number), (LABEL["name"], facts.name),
        (LABEL["id_number"], facts.masked_id), (LABEL["occupation"], occupation),
        (LABEL["work_type" if skill else "event"], work), (LABEL["level" if skill else "award"], facts.level),
        (LABEL["issue_date"], facts.issued_on.isoformat()), (LABEL["issuer" if skill else "award_issuer"], issuer),
    ]
    return rows, all(named)


def print_result(result: VerificationResult, keyset: KeySet, heading: str | None = None) -> None:
    """The human-readable report of one verification (names from ``keyset``)."""
    if heading:
        print(f"[{heading}]")
    mark = "✔" if result.valid else "✘"
    print(f"{mark} {_HEADLINES[result.state]}")
    if result.reason:
        print(f"  reason: {result.reason}")
    facts = result.facts
    if facts is not None:
        rows, all_named = fact_rows(facts, keyset)
        for title, value in rows:
            print(f"  {title}: {value}")
        if not all_named:
            print("  note: names are printed only as the root-signed key set signs them, and this one has none for "
                  "the codes marked [id only]; the server's published key set (/.well-known/jineng-keys.json, "
                  "`jineng issuing keyset --output FILE`) carries them: pass it with --keyset")
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


def exit_code(result: VerificationResult) -> int:
    """0 valid, 1 status unknown, 3 not valid."""
    if result.valid:
        return EXIT_VALID
    if result.state is VerificationState.VALID_STATUS_UNKNOWN:
        return EXIT_STATUS_UNKNOWN
    return EXIT_NOT_VALID


def run(args: argparse.Namespace) -> int:
    """``jineng verify``: the handler the parser of :mod:`certificates.cli` calls."""
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
            print_result(result, keyset, f"QR code {i + 1} of {len(results)}" if len(results) > 1 else None)
    # Several QR codes (e.g. a multi-page PDF): the worst verdict decides.
    return max(exit_code(r) for r in results)
