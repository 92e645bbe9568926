"""Demo competitions and events (filled in by the competitions domain)."""


async def load(ids: dict[str, int]) -> dict[str, int]:
    return {}
