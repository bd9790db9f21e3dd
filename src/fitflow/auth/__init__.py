"""Identity: accounts, passwords, access and refresh tokens, lockout, password reset."""
