"""Jineng verifiable certificates: numbering, signed records, QR envelopes, keys, status and verification.

A pure core: no web framework, no database. The server hands it data and stores what it returns.

Issuing (server side)::

    from certificates import KeyStore, issue_record, sign_record
    store = KeyStore()                      # $JINENG_KEYS_DIR or ./var/keys
    store.generate()                        # once: root key + first signing key
    record = issue_record(kind=1, number="Y000137000001253000042", name="张三", resident_id="370…",
                          occupation="6-31-01-03", work_type=0, level=3, issued_on=date.today(),
                          issuer=137, full_record=stored_row_as_dict)
    envelope, qr_text = sign_record(record, store)   # store record.cert_id, record.status_index, envelope

Verifying (server page or offline)::

    from certificates import KeySet, verify, StatusInfo
    keyset = store.keyset()                 # or KeySet.load(published_json, pinned_root_key)
    result = verify(qr_text, keyset, status_source=lambda cert_id: StatusInfo.valid())
    result.state, result.valid, result.facts

Design and threat notes: docs/certificates.md (design, privacy, attack cases) and the docstrings of
:mod:`certificates.record` (QR budget), :mod:`certificates.keystore` (key store layout) and
:mod:`certificates.keystates` (key states).
"""

from .envelope import (
    DEFAULT_URL_PREFIX,
    MAX_QR_TEXT,
    MAX_QR_VERSION,
    EnvelopeError,
    RecordTooLarge,
    make_qr_text,
    sign_record,
    split_qr_text,
)
from .keyset import KeySet, KeySetError, load_root_public_key
from .keystates import KeyState
from .keystore import KeyInfo, KeyStore, KeyStoreError
from .numbering import (
    AwardCode,
    CertKind,
    NumberError,
    SkillLevel,
    cross_check,
    format_award_number,
    format_skill_number,
    parse_number,
    validate_number,
)
from .privacy import (
    contains_id_pattern,
    id_match_tag,
    id_matches,
    mask_resident_id,
    names_equal,
    normalize_name,
)
from .qr import build_qr, decode_image, decode_pdf, png_bytes
from .record import (
    CertRecord,
    RecordError,
    decode_record,
    encode_record,
    format_cert_id,
    issue_record,
    new_cert_id,
    new_status_index,
    parse_cert_id,
    record_digest,
)
from .status import CertStatus, StatusInfo, StatusList, StatusListError, StatusSource, build_status_list
from .verify import SignedFacts, VerificationResult, VerificationState, signed_facts, verify

__all__ = [
    "DEFAULT_URL_PREFIX",
    "MAX_QR_TEXT",
    "MAX_QR_VERSION",
    "AwardCode",
    "CertKind",
    "CertRecord",
    "CertStatus",
    "EnvelopeError",
    "KeyInfo",
    "KeySet",
    "KeySetError",
    "KeyState",
    "KeyStore",
    "KeyStoreError",
    "NumberError",
    "RecordError",
    "RecordTooLarge",
    "SignedFacts",
    "SkillLevel",
    "StatusInfo",
    "StatusList",
    "StatusListError",
    "StatusSource",
    "VerificationResult",
    "VerificationState",
    "build_qr",
    "build_status_list",
    "contains_id_pattern",
    "cross_check",
    "decode_image",
    "decode_pdf",
    "decode_record",
    "encode_record",
    "format_award_number",
    "format_cert_id",
    "format_skill_number",
    "id_match_tag",
    "id_matches",
    "issue_record",
    "load_root_public_key",
    "make_qr_text",
    "mask_resident_id",
    "names_equal",
    "new_cert_id",
    "new_status_index",
    "normalize_name",
    "parse_cert_id",
    "parse_number",
    "png_bytes",
    "record_digest",
    "sign_record",
    "signed_facts",
    "split_qr_text",
    "validate_number",
    "verify",
]
