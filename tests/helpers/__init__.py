"""Plain helpers and data shared by several test packages (fixtures stay in conftest.py files).

Imported as ``tests.helpers.<module>``: pytest puts the project root on the path
(``pythonpath = ["."]`` in pyproject.toml), the same way the code under test is imported.
"""
