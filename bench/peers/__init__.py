"""`make bench-peers`: this service against PostGraphile 5 and a hand-written floor on the same data and
queries, so its throughput has a yardstick beyond its own history."""
