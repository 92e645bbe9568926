"""证书编号: the numbers of skill-level and award certificates, drawn from atomic counter rows.

A skill-level number (22 characters, :func:`certificates.format_skill_number`) carries the issuer type,
the organization code, the province, the site, the year and the level, then a six-digit sequence per
(prefix); an award number (:func:`certificates.format_award_number`) carries the year, the competition and
the award. Sequences come from :func:`server.issuing.keyring.allocate` inside the caller's transaction, so
two issuers never share a number and a sequence has no gaps. Settings, from the environment:

* ``JINENG_CERT_ISSUER_TYPE`` — ``Y`` or ``S`` (default ``S``);
* ``JINENG_CERT_ORG_CODE`` — 4 digits (default ``0000``: registered at provincial level);
* ``JINENG_CERT_SITE`` — the site (default: the issuing organization's id);
* ``JINENG_CERT_PROVINCE`` — two digits (default: from the region code of the issuer or its parents).
"""

from __future__ import annotations

import os

from certificates import AwardCode, NumberError, format_award_number, format_skill_number
from certificates.numbering import PROVINCE_CODES
from server.errors import Conflict, InvalidInput
from server.issuing import keyring
from server.organizations.tables import Organization

MAX_SEQUENCE = 999_999


def _numbering_settings() -> tuple[str, str, str | None, str | None]:
    """(issuer type Y/S, 4-digit organization code, site override, province override)."""
    return (os.environ.get("JINENG_CERT_ISSUER_TYPE", "S"), os.environ.get("JINENG_CERT_ORG_CODE", "0000"),
            os.environ.get("JINENG_CERT_SITE"), os.environ.get("JINENG_CERT_PROVINCE"))


async def _province(issuer: dict) -> str:
    _, _, _, configured = _numbering_settings()
    if configured:
        return configured
    ids = [int(x) for x in issuer["path"].strip("/").split("/") if x.isdigit()] or [issuer["id"]]
    rows = {r["id"]: r["region_code"] for r in await Organization.select(
        Organization.id, Organization.region_code).where(Organization.id.is_in(ids))}
    for org_id in reversed(ids):
        code = rows.get(org_id)
        if code and code[:2] in PROVINCE_CODES:
            return code[:2]
    raise InvalidInput(f"{issuer['name']} has no region code, so its certificate numbers have no province; set "
                       "the organization's region code or JINENG_CERT_PROVINCE.", code="issuer_without_province",
                       field="issuer_id")


async def _next_sequence(prefix: str) -> int:
    value = await keyring.allocate(f"num:{prefix}")
    if value > MAX_SEQUENCE:
        raise Conflict(f"The certificate numbers of {prefix} are used up (999999 a year and level).",
                       code="number_space_exhausted")
    return value


async def skill_number(issuer: dict, year: int, level: int) -> str:
    """The next 职业技能等级证书 number of this issuer, year and level."""
    issuer_type, org_code, site, _ = _numbering_settings()
    province = await _province(issuer)
    site_code = site or issuer["id"] % 1_000_000
    try:
        prefix = format_skill_number(issuer_type, org_code, province, site_code, year, level, 0)[:16]
        sequence = await _next_sequence(prefix)
        return format_skill_number(issuer_type, org_code, province, site_code, year, level, sequence)
    except NumberError as exc:
        raise Conflict(f"The certificate number cannot be formed: {exc}", code="numbering_misconfigured") from None


async def award_number(competition_id: int, year: int, award: AwardCode) -> str:
    """The next 获奖证书 number of this competition, year and award."""
    prefix = format_award_number(year, competition_id % 1_000_000, award, 0)[:12]
    sequence = await _next_sequence(prefix)
    return format_award_number(year, competition_id % 1_000_000, award, sequence)
