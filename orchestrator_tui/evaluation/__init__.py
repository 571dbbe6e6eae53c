"""Offline evaluation: recorded benchmark answers replayed through the real engine, so the
strategies `orch ask` runs are measured for cost and quality without a single paid call."""
