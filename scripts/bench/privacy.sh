#!/usr/bin/env bash
# Personal-data detector: storage/pii.py and Presidio side by side (docs/privacy.md).
# Presidio comes from the bench-privacy extra, installed here only: the bot never needs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/python -m pip install --disable-pip-version-check -q ${PIP_FLAGS:-} -c constraints.txt -e '.[bench-privacy]'
.venv/bin/shopdesk bench privacy --detector both
