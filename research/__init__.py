"""Research studies of melian: not part of the shipped package (nothing in src/ imports them)."""
