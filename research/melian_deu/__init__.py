"""melian-deu studies: fitting, cross-validation and the alternative families (see README.md)."""
