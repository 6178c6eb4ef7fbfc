"""Exports of the world in formats other tools read."""
