"""Tests of the results domain: import, compute, publication, reading, advancement and the handlers it registers."""
