"""Course recommendations and learning paths (not built yet: no public names)."""
