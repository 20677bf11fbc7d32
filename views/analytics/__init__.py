"""Analytics pages and the refresh."""
