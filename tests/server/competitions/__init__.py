"""Tests of the competitions domain: competitions and their tree, lifecycle, events, bad input, demo."""
