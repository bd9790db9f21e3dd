"""Studios (organizations): profile, policy, staff roles and the permission table."""
