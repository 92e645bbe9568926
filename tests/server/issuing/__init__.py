"""Tests of the issuing domain: certificates issued, managed, verified and downloaded through the API."""
