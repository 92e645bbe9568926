"""Results of events: imported or computed from judging, publication, public announcements, advancement."""
