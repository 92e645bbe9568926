"""People tables: one record per resident ID; certificates and entries link here.

Besides the person itself the graduate record holds the skill levels the person has obtained
(职业技能等级, from a certificate, an assessment or a promotion) and the competition awards the person has
won. The issuing and results domains fill both through ``server.people.services``; registration reads the
awards to exclude prior winners.
"""

from piccolo.columns import Date, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from server.organizations.tables import Organization


class Person(Table, tablename="person"):
    name = Varchar(length=60, index=True)
    gender = Varchar(length=10)  # male | female
    resident_id = Varchar(length=18, unique=True)
    resident_id_hmac = Varchar(length=64, index=True)
    birth_date = Date()
    # student | graduate | teacher (teachers act as coaches)
    status = Varchar(length=20, default="student")
    school = ForeignKey(Organization, index=True)
    major_code = Varchar(length=10, null=True, default=None)
    major_name = Varchar(length=80, null=True, default=None)
    enrollment_year = Integer(null=True, default=None)
    graduation_year = Integer(null=True, default=None)
    phone = Varchar(length=20, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class SkillLevel(Table, tablename="skill_level"):
    """A vocational skill level held (职业技能等级). One row per (person, occupation, work type, level):
    a unique index added by a hand-written migration enforces it on both engines."""

    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    occupation_code = Varchar(length=12, index=True)  # 国家职业分类大典 code, e.g. 6-31-01-03
    occupation_name = Varchar(length=60, default="")
    work_type = Varchar(length=60, default="")  # 工种/职业方向, "" when none
    level = Integer()  # 1 = 一级/高级技师 … 5 = 五级/初级工
    # certificate (source holds the 证书编号) | assessment | promotion (晋升 from an award) | other
    source_kind = Varchar(length=20, default="certificate")
    source = Varchar(length=100, default="")
    obtained_on = Date()
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()


class AwardRecord(Table, tablename="award_record"):
    """A competition award a person won (获奖记录): the lookup behind "prior winners of the same occupation
    are excluded". Results/issuing add rows as awards are published; organizers may add older awards."""

    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    # school | county | city | province | national
    competition_level = Varchar(length=20, index=True)
    competition_name = Varchar(length=200)
    year = Integer()
    occupation_code = Varchar(length=12, index=True)
    work_type = Varchar(length=60, default="")
    event_name = Varchar(length=200, default="")
    # first_prize | second_prize | third_prize | gold | silver | bronze | excellence | other
    award = Varchar(length=30)
    rank = Integer(null=True, default=None)
    source = Varchar(length=100, default="")  # award certificate number or result reference
    entry_id = Integer(null=True, default=None)  # the Jineng entry that won, when it came through Jineng
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz()
