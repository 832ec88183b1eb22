"""Rules and use cases. Functions here take a SQLAlchemy session and return domain objects."""
