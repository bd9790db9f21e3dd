"""The audit log: who did what to which subject, when, under which request."""
