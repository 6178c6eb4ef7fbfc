"""The pure world model: catalogue, calendar, random streams and the day's rules. No database I/O."""
