"""Textual apps: the trajectory inspector and the live run view (imported only when one starts)."""
