"""Tooling that make runs and users do not edit: make bench, make rename, the DAP client."""
