"""Studies of the expected-utility (BDM) model against Scholz et al. (2011) Table 2 (README.md)."""
