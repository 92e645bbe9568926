"""Demo data: 济宁市 with its bureaus, counties and real schools, ~300 students, judges and role accounts."""
