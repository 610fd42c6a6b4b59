"""Shared helpers of the run scripts: settings, local runs, Docker, debugging, cluster."""
