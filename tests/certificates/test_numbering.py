"""证书编号: format, parse, validation against GB/T 2260, award numbers, and the cross-check with signed fields."""

import datetime as dt

import pytest

from certificates.numbering import (
    PROVINCE_CODES,
    AwardCode,
    CertKind,
    NumberError,
    SkillLevel,
    cross_check,
    format_award_number,
    format_skill_number,
    kind_of_number,
    parse_award_number,
    parse_number,
    parse_skill_number,
    validate_number,
)


def test_skill_number_round_trip():
    number = format_skill_number("Y", "0001", "37", "000001", 2025, 3, 42)
    assert number == "Y000137000001253000042"
    assert len(number) == 22
    parsed = parse_skill_number(number)
    assert (parsed.issuer_type, parsed.organization, parsed.province, parsed.site) == ("Y", "0001", "37", "000001")
    assert (parsed.year, parsed.level, parsed.sequence) == (25, SkillLevel.THREE, 42)
    assert str(parsed) == number


def test_levels_and_labels():
    assert SkillLevel(1).label == "一级/高级技师"
    assert SkillLevel(5).label == "五级/初级工"
    assert parse_skill_number("S000011000000255000001").level is SkillLevel.FIVE


@pytest.mark.parametrize("province", sorted(PROVINCE_CODES))
def test_every_gbt2260_province_is_accepted(province):
    assert validate_number(format_skill_number("S", 0, province, 1, 25, 1, 1))


@pytest.mark.parametrize("province", ["00", "10", "16", "20", "24", "30", "38", "40", "47", "55", "60", "66", "70", "80", "83", "99"])
def test_non_province_codes_are_rejected(province):
    with pytest.raises(NumberError):
        format_skill_number("Y", "0001", province, "000001", 25, 3, 1)
    assert not validate_number(f"Y0001{province}000001253000001")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Y00013700000125300004",  # 21 chars
        "Y0001370000012530000421",  # 23 chars
        "X000137000001253000042",  # wrong prefix
        "y000137000001253000042",  # lower case
        "Y000137000001256000042",  # level 6
        "Y000137000001250000042",  # level 0
        "Y0001370000012530000４2",  # full-width digit
        "Y00013700000125300004A",
        " Y000137000001253000042",
    ],
)
def test_bad_skill_numbers(text):
    assert not validate_number(text)


def test_format_rejects_bad_parts():
    with pytest.raises(NumberError):
        format_skill_number("Z", "0001", "37", "000001", 25, 3, 1)
    with pytest.raises(NumberError):
        format_skill_number("Y", "00001", "37", "000001", 25, 3, 1)  # org code too long, never truncated
    with pytest.raises(NumberError):
        format_skill_number("Y", 10000, "37", "000001", 25, 3, 1)
    with pytest.raises(NumberError):
        format_skill_number("Y", "0001", "37", "000001", 25, 6, 1)
    with pytest.raises(NumberError):
        format_skill_number("Y", "0001", "37", "000001", 1999, 3, 1)
    with pytest.raises(NumberError):
        format_skill_number("Y", "0001", "37", "000001", 25, 3, 1_000_000)


def test_award_number_round_trip():
    number = format_award_number(2025, "000731", AwardCode.FIRST_PRIZE, 42)
    assert number == "JN2500073111000042"
    assert len(number) == 18
    parsed = parse_award_number(number)
    assert (parsed.year, parsed.competition, parsed.award, parsed.sequence) == (25, "000731", AwardCode.FIRST_PRIZE, 42)
    assert str(parsed) == number
    assert AwardCode.EXCELLENCE.label == "优胜奖"


def test_award_number_rejects_unknown_award():
    assert not validate_number("JN2500073199000042")
    with pytest.raises(NumberError):
        format_award_number(25, "000731", 99, 1)


def test_kind_of_number():
    assert kind_of_number("JN2500073111000042") is CertKind.AWARD
    assert kind_of_number("S000137000001253000042") is CertKind.SKILL_LEVEL
    with pytest.raises(NumberError):
        kind_of_number("Q123")
    assert isinstance(parse_number("JN2500073111000042").award, AwardCode)


def test_cross_check_agrees():
    cross_check("Y000137000001253000042", CertKind.SKILL_LEVEL, 3, dt.date(2025, 6, 1))
    cross_check("JN2500073111000042", CertKind.AWARD, 11, dt.date(2025, 12, 31))


@pytest.mark.parametrize(
    ("number", "kind", "level", "day"),
    [
        ("Y000137000001253000042", CertKind.SKILL_LEVEL, 2, dt.date(2025, 6, 1)),  # level mismatch
        ("Y000137000001243000042", CertKind.SKILL_LEVEL, 3, dt.date(2025, 6, 1)),  # year mismatch
        ("Y000137000001253000042", CertKind.AWARD, 3, dt.date(2025, 6, 1)),  # kind mismatch
        ("JN2500073111000042", CertKind.AWARD, 12, dt.date(2025, 6, 1)),  # award mismatch
        ("JN2500073111000042", CertKind.AWARD, 11, dt.date(2026, 1, 1)),  # year mismatch
        ("JN2500073111000042", CertKind.SKILL_LEVEL, 11, dt.date(2025, 6, 1)),
    ],
)
def test_cross_check_mismatch(number, kind, level, day):
    with pytest.raises(NumberError):
        cross_check(number, kind, level, day)
