"""Organizations tests: the tree of regions, authorities and schools, and who may change it (SQLite and PostgreSQL)."""
