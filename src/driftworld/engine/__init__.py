"""The engine: virtual clock, tick ledger and the account-day transaction."""
