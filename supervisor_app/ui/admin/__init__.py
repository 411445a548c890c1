"""admin screens."""
