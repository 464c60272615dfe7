"""Synthetic market data: payload builders that answer like the real stores."""
