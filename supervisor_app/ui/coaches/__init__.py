"""coaches screens."""
