"""Registration API (controllers are added by the registration domain)."""

ROUTES: list = []
