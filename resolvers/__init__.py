"""Query logic and domain rules. Nothing here knows about HTTP or Strawberry types."""
