"""Matchmaking between demands and research results: pure scoring and metrics, plus the embedder."""
