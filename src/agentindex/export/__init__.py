"""Trajectories in formats other tools read (``agentindex export``)."""
