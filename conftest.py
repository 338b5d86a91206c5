"""Puts the repository root on sys.path so tests import agent/, skills/ and games/ without installing."""
