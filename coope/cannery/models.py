"""cannery models."""
