"""Organization table: one tree for regions, authorities and schools.

``path`` is the materialized ancestry ("/1/4/9/") so that "is X inside the subtree of Y" is a prefix test,
which is what every scoped role check needs.
"""

from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.table import Table


class Organization(Table, tablename="organization"):
    name = Varchar(length=200, index=True)
    # region | authority | school
    kind = Varchar(length=20)
    # national | province | city | county | school
    level = Varchar(length=20)
    # GB/T 2260 six-digit administrative region code of the organization's area
    region_code = Varchar(length=6, null=True, default=None)
    # vocational (职业院校, education bureau) | technical (技工院校, human-resources bureau); schools only
    school_type = Varchar(length=20, null=True, default=None)
    # for authorities: education | human_resources | other
    bureau = Varchar(length=30, null=True, default=None)
    parent = ForeignKey("self", null=True, default=None)
    path = Varchar(length=400, index=True, default="")
    depth = Integer(default=0)
    created_at = Timestamptz()
