"""The public pool (公海): customers nobody followed up for `[pool] release_after_days` return to their team's pool."""
