"""Loopback stand-ins for what a cluster run talks to: the KFP REST API, Dex and Keycloak, the Kubernetes API.

For the cluster tests and `make bench` (nothing here can reach a real cluster): each listens on
127.0.0.1 only, on a free port, in a thread, and records what it was sent.
"""
