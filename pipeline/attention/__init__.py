"""Per-frame attention: head and eye geometry, signals, the per-person baseline and states."""
