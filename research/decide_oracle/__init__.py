"""decide (decide-exchange-model) as an oracle for melian's exchange model (README.md)."""
