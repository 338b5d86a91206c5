"""The skill library graph: what the agent learns and what users share (see graph.py)."""
