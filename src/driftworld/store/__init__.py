"""Database I/O: local clusters, connections, migrations, bulk writes and the SQL the engine runs."""
