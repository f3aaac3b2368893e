"""Reusing earlier work: the store (SQLite or Redis), exact caches and the semantic analysis cache."""
