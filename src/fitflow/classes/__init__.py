"""The schedule: class types, locations, and (next) recurring schedules and sessions."""
