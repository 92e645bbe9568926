"""Shared query-parameter types (Litestar applies ``QueryParameter`` constraints, not msgspec.Meta)."""

from typing import Annotated

from litestar.params import Parameter, QueryParameter

Limit = Annotated[int, QueryParameter(ge=1, le=500, description="page size (1-500)")]
# bounded: an offset beyond 64 bits makes SQLite fail with "datatype mismatch" (a 500); no page lies that far
MAX_OFFSET = 2_147_483_647
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="rows to skip")]

# ids are 32-bit serials on PostgreSQL: larger ones are refused (400), not looked up
MAX_ID = 2_147_483_647
PathId = Annotated[int, Parameter(ge=1, le=MAX_ID)]
