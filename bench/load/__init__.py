"""`make load`: a flood of simulated members against a served PostgreSQL graph, then a check in the
database that no acknowledged write was lost and nothing unacknowledged was written."""
