"""Sessions, holds, bookings and waitlists: the booking engine."""
