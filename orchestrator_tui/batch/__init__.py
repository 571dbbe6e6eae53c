"""`orch batch`'s files and runner: reading INPUT, appending to OUT (never changing a line
orch did not write), resuming by id and request hash, and running the prompts concurrently."""
