"""Organizations: the tree national → province → city → county → school, with authorities and schools."""
