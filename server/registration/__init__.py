"""Registration: schools' entries for events, review, eligibility, Excel rosters."""
