"""certificates.names: one spelling of titles, level and award names for everything in certificates/."""

import ast
import datetime as dt
from pathlib import Path

import pytest

from certificates import names
from certificates.names import (
    AWARD_NAMES,
    AWARD_TITLE,
    CERTIFICATE_TITLES,
    LEVEL_GRADES,
    LEVEL_NAMES,
    LEVEL_RANKS,
    SKILL_LEVEL_TITLE,
)
from certificates.numbering import AwardCode, CertKind, SkillLevel, format_award_number, format_skill_number
from certificates.record import issue_record
from certificates.verify import signed_facts

PACKAGE = Path(names.__file__).resolve().parent


def test_required_spellings():
    assert SKILL_LEVEL_TITLE == "职业技能等级证书"  # 人社鉴发〔2021〕1号: exactly this
    assert AWARD_TITLE == "获奖证书"
    assert CERTIFICATE_TITLES == {"skill_level": "职业技能等级证书", "award": "获奖证书"}
    assert LEVEL_NAMES == {1: "一级/高级技师", 2: "二级/技师", 3: "三级/高级工", 4: "四级/中级工", 5: "五级/初级工"}
    assert all(LEVEL_NAMES[n] == f"{LEVEL_GRADES[n]}/{LEVEL_RANKS[n]}" for n in LEVEL_NAMES)


def test_enums_and_tables_agree():
    assert set(LEVEL_NAMES) == {int(level) for level in SkillLevel}
    assert set(AWARD_NAMES) == {int(code) for code in AwardCode}
    assert all(level.label == LEVEL_NAMES[level] for level in SkillLevel)
    assert all(code.label == AWARD_NAMES[code] for code in AwardCode)
    with pytest.raises(TypeError):
        LEVEL_NAMES[6] = "六级"  # read-only: the server imports these and must not change them for everyone


def test_signed_facts_use_the_tables():
    common = dict(name="张三", resident_id="370102199001011234", occupation="6-31-01-03", work_type=0,
                  issued_on=dt.date(2025, 6, 1), issuer=1, full_record={})
    skill = issue_record(kind=CertKind.SKILL_LEVEL, number=format_skill_number("Y", 1, 37, 1, 2025, 4, 1), level=4,
                         **common)
    award = issue_record(kind=CertKind.AWARD, number=format_award_number(2025, 7, AwardCode.FIRST_PRIZE, 1),
                         level=AwardCode.FIRST_PRIZE, **common)
    assert (signed_facts(skill).title, signed_facts(skill).level) == (SKILL_LEVEL_TITLE, LEVEL_NAMES[4])
    assert (signed_facts(award).title, signed_facts(award).level) == (AWARD_TITLE, AWARD_NAMES[11])


def _string_constants(path: Path) -> list[tuple[int, str]]:
    """String literals of a module that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def test_no_module_spells_a_title_or_level_name_itself():
    spelled = [SKILL_LEVEL_TITLE, AWARD_TITLE, *LEVEL_NAMES.values(), *LEVEL_RANKS.values(), *AWARD_NAMES.values()]
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "names.py":
            continue
        for line, value in _string_constants(path):
            found += [f"{path.relative_to(PACKAGE)}:{line}: {word}" for word in spelled if word in value]
    assert found == []
