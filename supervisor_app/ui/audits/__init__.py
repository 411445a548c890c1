"""audits screens."""
