"""The server suite: property-based requests against a base URL (or the in-process mock)."""
