"""Storage: SQLAlchemy models, the engine/session factory, migrations, and the read/write functions."""
