"""Offline evaluation: recorded benchmark answers replayed through the real engine, so the
strategies `orch ask` runs are measured for cost and quality without a single paid call; and
the judge (`judge.py`), a model that grades the history's unrated answers through the engine
for `orch router train --from-history`."""
