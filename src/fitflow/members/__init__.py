"""A studio's clients: who belongs to the studio, their profile and status."""
