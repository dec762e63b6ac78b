# Every target sets itself up: a fresh clone needs nothing but python3.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run chat test check lint bench score clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m bot db upgrade
	$(PY) -m bot cardholders demo
	$(PY) -m bot run $(ARGS)

chat: $(STAMP)
	$(PY) -m bot chat

check: $(STAMP)
	$(PY) -m bot kb check --sources ../shared/seeds

test: $(STAMP)
	$(PY) -m bot kb check --sources ../shared/seeds
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check --select F,E9,I bot db tests benchmarks
	$(VENV)/bin/ruff format --check bot db tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/answer_latency.py
	$(PY) benchmarks/telegram_throughput.py
	$(PY) benchmarks/reminder_scheduling.py
	$(PY) benchmarks/knowledge_reload.py

score: $(STAMP)
	$(PY) ../shared/eval/score.py ../shared/eval/dev.jsonl
	$(PY) ../shared/eval/score.py ../shared/eval/dev2.jsonl
	$(PY) ../shared/eval/score.py eval/blind.jsonl
	$(PY) ../shared/eval/score.py eval/blind2.jsonl
	$(PY) ../shared/eval/score.py eval/blind3.jsonl

clean:
	rm -rf $(VENV) build *.egg-info
