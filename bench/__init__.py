"""Load and capacity benchmarks: the API under load compared with PostgreSQL's own limit
for the same booking transaction, measured in the same run (see bench/README.md)."""
