"""The credit ledger: lots of credits with their own expiry, and an append-only record of
every change to them."""
