#!/usr/bin/env bash
# `make agent`: DO (add, reset, role, disable, enable, delete, list), NAME and ROLE as the arguments
# of `python -m bot.agents`. Sourced env.sh first (the database URL).
set -euo pipefail
command="$1" name="${2:-}" role="${3:-}"
python="$ROOT/.venv/bin/python"

refuse() {
  echo "$1" >&2
  exit 1
}

case "$command" in
  list) exec "$python" -m bot.agents list ;;
  add)
    [[ -n $name ]] || refuse "Name the account: make agent NAME=anna (ROLE=teamlead for a team lead)"
    exec "$python" -m bot.agents add "$name" --role "${role:-agent}"
    ;;
  role)
    [[ -n $name && -n $role ]] || refuse "Name the account and its new role: make agent DO=role NAME=anna ROLE=teamlead (or ROLE=agent)"
    exec "$python" -m bot.agents role "$name" "$role"
    ;;
  reset | password | disable | enable | delete)
    [[ -n $name ]] || refuse "Name the account: make agent DO=$command NAME=anna"
    exec "$python" -m bot.agents "$command" "$name"
    ;;
  *) refuse "Unknown DO=$command: choose add, reset, role, disable, enable, delete or list" ;;
esac
