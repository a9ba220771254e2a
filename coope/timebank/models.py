"""timebank models."""
