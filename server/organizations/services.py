"""Organization rules: the level order of the tree, materialized paths, and who may change what."""

from __future__ import annotations

from datetime import datetime, timezone

from server.audit.services import record
from server.db import write_transaction
from server.errors import Forbidden, InvalidInput, NotFound
from server.organizations.schemas import OrganizationIn, OrganizationOut, OrganizationPatch
from server.organizations.tables import Organization
from server.principal import Principal

LEVEL_ORDER = ["national", "province", "city", "county", "school"]


def to_out(row: dict) -> OrganizationOut:
    return OrganizationOut(
        id=row["id"], name=row["name"], kind=row["kind"], level=row["level"], parent_id=row["parent"],
        region_code=row["region_code"], school_type=row["school_type"], bureau=row["bureau"], path=row["path"],
    )


async def get_row(org_id: int) -> dict:
    row = await Organization.select().where(Organization.id == org_id).first()
    if row is None:
        raise NotFound(f"Organization {org_id} does not exist.", code="organization_not_found")
    return row


def _check_shape(data: OrganizationIn, parent: dict | None) -> None:
    if parent is None:
        if data.level != "national" or data.kind != "region":
            raise InvalidInput("Only the national root has no parent.", code="parent_required", field="parent_id")
        return
    if parent["kind"] == "school":
        raise InvalidInput("A school cannot contain organizations.", code="invalid_parent", field="parent_id")
    if parent["kind"] == "authority":
        raise InvalidInput("Organizations hang under a region, not under an authority.", code="invalid_parent",
                           field="parent_id")
    parent_rank = LEVEL_ORDER.index(parent["level"])
    rank = LEVEL_ORDER.index(data.level)
    if data.kind == "school":
        if data.level != "school":
            raise InvalidInput("A school has level 'school'.", code="invalid_level", field="level")
        if data.school_type is None:
            raise InvalidInput("A school is vocational (职业院校) or technical (技工院校).",
                               code="school_type_required", field="school_type")
    elif data.school_type is not None:
        raise InvalidInput("Only schools have a school type.", code="invalid_school_type", field="school_type")
    if data.kind == "authority":
        if rank != parent_rank:
            raise InvalidInput("An authority has the level of the region it governs.", code="invalid_level",
                               field="level")
        if data.bureau is None:
            raise InvalidInput("Name the authority's bureau (education, human_resources or other).",
                               code="bureau_required", field="bureau")
    elif data.kind == "region" and rank != parent_rank + 1:
        raise InvalidInput(
            f"A {data.level} region cannot sit directly under a {parent['level']} region.",
            code="invalid_level", field="level",
        )
    elif data.kind == "school" and parent_rank < LEVEL_ORDER.index("city"):
        raise InvalidInput("A school belongs to a city or county.", code="invalid_parent", field="parent_id")


async def create(principal: Principal | None, data: OrganizationIn) -> OrganizationOut:
    parent = await get_row(data.parent_id) if data.parent_id is not None else None
    if principal is not None:
        allowed = principal.is_admin or (parent is not None and principal.covers_path(parent["path"], "organizer"))
        if not allowed:
            raise Forbidden("You can only add organizations inside your own region.", code="forbidden")
    _check_shape(data, parent)
    async with write_transaction():
        rows = await Organization.insert(
            Organization(
                name=data.name, kind=data.kind, level=data.level, region_code=data.region_code,
                school_type=data.school_type, bureau=data.bureau, parent=data.parent_id,
                depth=(parent["depth"] + 1) if parent else 0, created_at=datetime.now(timezone.utc),
            )
        ).returning(Organization.id)
        org_id = rows[0]["id"]
        path = f"{parent['path'] if parent else '/'}{org_id}/"
        await Organization.update({Organization.path: path}).where(Organization.id == org_id)
        await record(principal, action="organization.created", object_type="organization",
                     object_id=org_id, after={"name": data.name, "kind": data.kind, "level": data.level,
                                              "parent_id": data.parent_id, "path": path})
    return to_out(await get_row(org_id))


async def update(principal: Principal, org_id: int, data: OrganizationPatch) -> OrganizationOut:
    row = await get_row(org_id)
    if not principal.covers_path(row["path"], "organizer"):
        raise Forbidden("You can only change organizations inside your own region.", code="forbidden")
    changes = {k: v for k, v in {"name": data.name, "region_code": data.region_code,
                                 "school_type": data.school_type}.items() if v is not None}
    if "school_type" in changes and row["kind"] != "school":
        raise InvalidInput("Only schools have a school type.", code="invalid_school_type", field="school_type")
    if not changes:
        return to_out(row)
    async with write_transaction():
        await Organization.update({getattr(Organization, k): v for k, v in changes.items()}).where(
            Organization.id == org_id
        )
        await record(principal, action="organization.updated", object_type="organization",
                     object_id=org_id, before={k: row[k] for k in changes}, after=changes)
    return to_out(await get_row(org_id))


async def list_organizations(
    *, parent_id: int | None = None, kind: str | None = None, within: int | None = None, q: str | None = None
) -> list[OrganizationOut]:
    query = Organization.select().order_by(Organization.path)
    if parent_id is not None:
        query = query.where(Organization.parent == parent_id)
    if kind is not None:
        query = query.where(Organization.kind == kind)
    if within is not None:
        root = await get_row(within)
        query = query.where(Organization.path.like(root["path"] + "%"))
    if q:
        query = query.where(Organization.name.like(f"%{q}%"))
    return [to_out(r) for r in await query]
