"""Prompt analysis, answer confidence and ensemble synthesis: pure functions, no I/O."""
