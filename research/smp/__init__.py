"""Studies of melian's SMP against KTAB's printed histories and at scale (README.md)."""
