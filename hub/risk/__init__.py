"""Risk: the scoring policy and engine, the triage queue, and signed exports for auditors."""
