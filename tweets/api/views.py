"""API views: each parses input, calls one service or selector, renders (STYLE)."""
