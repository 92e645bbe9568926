"""Live updates over WebSockets: scoreboards and consoles (docs/live.md)."""
