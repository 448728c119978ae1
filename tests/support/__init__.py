"""Helpers shared by the tests (builders, fakes, fixture exercises); no tests here."""
