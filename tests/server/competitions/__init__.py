"""Tests of the competitions domain: catalog, competitions, lifecycle, events, results, advancement, demo."""
