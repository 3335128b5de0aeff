"""Shop data in SQL: schema, migrations, catalog loading and the demo store.

This package never imports Rasa, rasa-sdk or ``shopdesk.settings``; callers pass
database URLs and sessions in.
"""
