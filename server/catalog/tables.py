"""The occupation table: one row per (大典 code, work type); composite unique index in the migrations."""

from piccolo.columns import Boolean, Text, Varchar
from piccolo.table import Table


class Occupation(Table, tablename="occupation"):
    code = Varchar(length=12, index=True)  # e.g. 6-31-01-03
    name = Varchar(length=60, index=True)  # 职业名称, e.g. 电工
    work_type = Varchar(length=60, default="")  # 工种/职业方向, "" when none
    major_group = Varchar(length=60, default="")
    levels = Varchar(length=20, default="5,4,3,2,1")  # skill levels offered, 5=五级 … 1=一级
    pinyin_initials = Varchar(length=60, default="", index=True)
    local = Boolean(default=False)  # added by an organizer, not from the bundled catalog
    # where a row comes from (research notes of the bundled file, or who added a local row): kept for
    # maintainers, never sent to clients
    source = Text(default="")
