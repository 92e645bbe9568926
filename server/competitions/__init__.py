"""Competitions: the occupation catalog, competitions at every level, their events (赛项) and results."""
