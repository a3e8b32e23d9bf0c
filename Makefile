# The assistant's commands. `make run` and `make test` work on a fresh machine: each sets up
# what it needs first. Settings (ports, database, token) are environment variables: scripts/env.sh.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
SPACY_MODEL := build/spacy-nl/meta.json
MODEL := models/klantenservice.tar.gz
NLU_DATA := $(wildcard data/nlu/*.yml)
TRAINING_INPUTS := config.yml domain.yml $(wildcard data/*.yml) $(NLU_DATA) $(SPACY_MODEL)

.PHONY: help setup train run shell test check eval bench agent report purge data-export data-erase clean

help:
	@echo "make run    start the assistant (Rasa server, action server) on this machine"
	@echo "make test   run the whole test suite"
	@echo "make check  lint, format, types and the unit tests (minutes; no training)"
	@echo "make agent NAME=anna [ROLE=teamlead]   create an account for the agent console"
	@echo "make agent DO=reset|disable|enable|delete NAME=anna, DO=role NAME=anna ROLE=teamlead, DO=list"
	@echo "make report [FROM=2026-11-01] [TO=2026-11-30] [CSV=file.csv]   the dashboard's figures (default: last 7 days)"
	@echo "make purge  delete what is past the retention periods of klantenservice.yml"
	@echo "make data-export REF=KL-7QX4KD BY=tess [OUT=file.json]   a customer's data as JSON (team leads)"
	@echo "make data-erase REF=KL-7QX4KD BY=tess   erase a customer's data everywhere (asks to confirm)"
	@echo "make setup | train | shell | eval | bench | clean"

# The pinned dependencies, then the project itself, editable: its packages import from any directory.
$(VENV)/.installed: requirements/lock.txt pyproject.toml
	@python=$$(scripts/find_python.sh) || exit 1; \
	  [ -x $(PY) ] || { echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV); }
	@echo "Installing the pinned dependencies (requirements/lock.txt); the first time takes a few minutes"
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==24.0
	@$(PY) -m pip install --quiet --disable-pip-version-check --progress-bar off -r requirements/lock.txt
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --editable .
	@touch $@

$(SPACY_MODEL): $(VENV)/.installed scripts/build_spacy_nl.py bot/entity_shapes.py bot/webshops.py $(NLU_DATA)
	@source scripts/env.sh && $(PY) -m scripts.build_spacy_nl

# The chat widget (rasa-webchat) at the versions of package-lock.json; its bundle is prebuilt, so
# no package scripts are run.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 and npm (apt-get install nodejs npm)"; exit 1; }
	@echo "Installing the chat widget (npm ci)"
	@npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(VENV)/.installed $(SPACY_MODEL) node_modules/.installed

$(MODEL): $(TRAINING_INPUTS) | setup
	@source scripts/env.sh && scripts/train.sh

train: setup $(MODEL)

run: train
	@scripts/run.sh

shell: train
	@scripts/shell.sh

test: train
	@scripts/test.sh

# The fast gates: ruff, mypy and tests/unit. Sets up .venv, the spaCy pipeline and the widget (which
# the unit tests read) but trains nothing.
check: setup
	@scripts/check.sh

eval: train
	@source scripts/env.sh && $(PY) -m scripts.evaluate $(EVAL_ARGS)

bench: train
	@source scripts/env.sh && $(PY) -m scripts.bench $(BENCH_ARGS)

# Accounts: DO=add (the default), reset (a new password), role, disable, enable, delete, list.
agent: setup
	@source scripts/env.sh && scripts/agent.sh "$(or $(DO),add)" "$(NAME)" "$(ROLE)"

# The dashboard's figures for a period (both days count); no model needed, only the databases.
report: $(VENV)/.installed
	@source scripts/env.sh && $(PY) -m bot.insight report $(if $(FROM),--from "$(FROM)") \
	  $(if $(TO),--to "$(TO)") $(if $(CSV),--csv "$(CSV)") $(REPORT_ARGS)

# Retention and data rights (bot/retention.py, bot/data_rights.py): no model needed, only the
# databases. REF is a conversation id or a reference (RET-, KL-, MW-); BY a team lead's account.
purge: $(VENV)/.installed
	@source scripts/env.sh && $(PY) -m bot.retention purge

data-export data-erase: $(VENV)/.installed
	@test -n "$(REF)" -a -n "$(BY)" || { echo "Name the conversation and yourself: make $@ REF=KL-7QX4KD BY=tess"; exit 1; }
	@source scripts/env.sh && $(PY) -m bot.data_rights $(subst data-,,$@) "$(REF)" --by "$(BY)" $(if $(OUT),--out "$(OUT)")

clean:
	rm -rf build models var/*.db
