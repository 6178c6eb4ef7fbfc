"""The day's rules, one module per domain: pure functions with the contract's numbers."""
