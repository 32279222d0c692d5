# gradkit — every target creates .venv on first use and installs the pinned dependencies.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUBMISSIONS ?= examples
OUT ?= grades
JOBS ?=
SUBMITTED ?= examples/_notebooks
COURSE ?= build/nbgrader

export PYTHONDONTWRITEBYTECODE := 1
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: grade nbgrade test check release sync bench gradescope classroom student-zip new-assignment lint install clean help
help:
	@echo "make grade [SUBMISSIONS=dir OUT=dir]   grade a folder of submissions (default: examples/)"
	@echo "make install                           .venv with the pinned dependencies and the kit (gradkit, autograder)"
	@echo "make test                              the kit's own tests"
	@echo "make check                             the public checks on your working copy (assignments/)"
	@echo "make nbgrade [SUBMITTED=dir]           nbgrader's autograde, export and feedback on notebook submissions"
	@echo "make release                           regenerate assignments/, solutions/ (notebooks via nbgrader) and examples/"
	@echo "make bench                             grade a synthetic class and print timings"
	@echo "make gradescope                        build dist/gradescope/autograder.zip"
	@echo "make classroom                         build dist/classroom/, a GitHub Classroom template repository"
	@echo "make student-zip                       build dist/student.zip, the release with its checks, to hand out"
	@echo "make new-assignment NAME=08_xxx         a working skeleton in source/08_xxx/ (see AUTHORING.md)"
	@echo "make lint                              static checks (ruff)"

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

install: $(STAMP)

grade: $(STAMP)
	$(PY) -m autograder grade $(SUBMISSIONS) --out $(OUT) $(if $(JOBS),--jobs $(JOBS))

nbgrade: $(STAMP)
	$(PY) -m autograder.nbgrade $(SUBMITTED) --course $(COURSE)

test: $(STAMP)
	$(PY) -m pytest tests

check: $(STAMP)
	cd assignments && ../$(PY) -m pytest

release: $(STAMP)
	$(PY) -m autograder.build.release
	$(PY) -m autograder.build.examples

bench: $(STAMP)
	$(PY) -m autograder.tools.bench

gradescope: $(STAMP)
	$(PY) -m autograder.build.gradescope

classroom: $(STAMP)
	$(PY) -m autograder.build.classroom

student-zip: $(STAMP)
	$(PY) -m autograder.build.bundle

new-assignment: $(STAMP)
	$(PY) -m autograder.build.scaffold $(NAME)

lint: $(STAMP)
	$(PY) -m pip install --quiet ruff==0.14.4
	$(PY) -m ruff check autograder gradkit tests source

clean:
	rm -rf $(VENV) grades dist
