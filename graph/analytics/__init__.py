"""Graph analytics: the refresh (networkx metrics) and channel attribution."""
