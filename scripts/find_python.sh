#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter: $PYTHON, python3.10 on PATH, pyenv, or python3.
set -u
is_310() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | sort -rV); do
    candidates+=("$(pyenv root)/versions/$version/bin/python")
  done
fi
for dir in "$HOME"/.pyenv/versions/3.10*; do [ -x "$dir/bin/python" ] && candidates+=("$dir/bin/python"); done
command -v python3 >/dev/null 2>&1 && candidates+=("$(command -v python3)")

for candidate in "${candidates[@]}"; do
  if is_310 "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done
echo "Python 3.10 is needed (Rasa 3.6 runs on 3.8-3.10): install it, for example with 'pyenv install 3.10' or 'apt install python3.10 python3.10-venv', or name it with 'make PYTHON=/path/to/python3.10'." >&2
exit 1
