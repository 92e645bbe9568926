"""Person table: one record per resident ID; certificates and entries link here."""

from piccolo.columns import Date, ForeignKey, Integer, Timestamptz, Varchar
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
