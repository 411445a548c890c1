"""rubrics screens."""
