"""Checks of one answer against the contract, one module per family; each returns Failures."""
