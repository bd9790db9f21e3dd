"""What a studio sells (plans) and what a member owns (memberships)."""
