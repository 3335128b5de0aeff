"""The test suite; a package so test modules import shared code as ``tests.helpers.<module>``."""
