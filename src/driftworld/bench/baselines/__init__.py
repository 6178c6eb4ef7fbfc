"""The baseline agents shipped with the bench: a floor, a rule list, a ceiling, and a bull in a china shop."""
