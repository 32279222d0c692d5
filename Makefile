# gradkit — every target creates .venv on first use and installs the pinned dependencies.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUBMISSIONS ?= examples
OUT ?= grades
JOBS ?=
ASSIGNMENT ?=
HIDDEN_VISIBILITY ?=
SIMILARITY ?=
SUBMITTED ?= examples/_notebooks
COURSE ?= build/nbgrader
NAME ?=
QUICK ?=

export PYTHONDONTWRITEBYTECODE := 1
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: help install check test grade similarity nbgrade release bench gradescope classroom classroom50 student-zip new-assignment lint clean screenshots
help:
	@echo "gradkit: make TARGET [VARIABLE=value ...]   (a bare 'make' prints this)"
	@echo ""
	@echo "Students"
	@echo "  make install          .venv/ with the pinned dependencies and the kit (every target does this first)"
	@echo "  make check            the public checks on your working copy, assignments/ (uses .venv itself);"
	@echo "                        the same feedback as a page: report.html; exits 0 when the checks ran,"
	@echo "                        failed ones included (non-zero only when pytest could not run them)"
	@echo "Instructors"
	@echo "  make grade            grade SUBMISSIONS into OUT (gradebook, feedback, summary); JOBS, HIDDEN_VISIBILITY, SIMILARITY"
	@echo "  make similarity       pairs of students whose code is unusually alike: OUT/similarity.html"
	@echo "  make screenshots      OUT's summary.html and feedback.html pages as a browser shows them (headless"
	@echo "                        Chromium), into OUT/screenshots/; grades SUBMISSIONS first if OUT has no summary"
	@echo "  make nbgrade          nbgrader's own autograde, export and feedback on SUBMITTED, in COURSE"
	@echo "  make gradescope       dist/gradescope/autograder.zip; with ASSIGNMENT=04_batchnorm, dist/gradescope/04_batchnorm.zip (out of 100)"
	@echo "  make classroom        dist/classroom/, a GitHub Classroom template repository (GitHub Classroom has been"
	@echo "                        sunset); with ASSIGNMENT, dist/classroom-<folder>/"
	@echo "  make classroom50      dist/classroom50/, a Classroom 50 autograder (autograder.py writing result.json, hidden"
	@echo "                        checks included); with ASSIGNMENT, dist/classroom50-<folder>/"
	@echo "  make student-zip      dist/student.zip: the release with its public checks, to hand out"
	@echo "Authors"
	@echo "  make release          regenerate assignments/, solutions/ (modules, notebooks) and examples/ from source/"
	@echo "  make new-assignment   a working skeleton in source/NAME/ (see AUTHORING.md)"
	@echo "  make test             the kit's own tests"
	@echo "  make bench            the performance table, measured in one run (QUICK=1: small classes, a smoke test)"
	@echo "  make lint             static checks (ruff)"
	@echo "  make clean            remove .venv/, grades/ and dist/"
	@echo "  make help             this list"
	@echo ""
	@echo "Variables (defaults in brackets)"
	@echo "  SUBMISSIONS=dir       the class: one <student>/ folder or <student>.zip each [$(SUBMISSIONS)]"
	@echo "  OUT=dir               where grade and similarity write [$(OUT)]"
	@echo "  JOBS=n                students graded in parallel [the number of cores]"
	@echo "  ASSIGNMENT=NN_name    gradescope, classroom, classroom50: build for this assignment alone [all of them]"
	@echo "  HIDDEN_VISIBILITY=v   grade, gradescope: when students see the hidden checks on Gradescope:"
	@echo "                        after_due_date, hidden, after_published, visible [after_due_date]"
	@echo "  SIMILARITY=1          grade: add the similar submissions to the summary (and OUT/similarity.html) [off]"
	@echo "  SUBMITTED=dir         nbgrade: the notebook submissions [$(SUBMITTED)]"
	@echo "  COURSE=dir            nbgrade: nbgrader's course folder [$(COURSE)]"
	@echo "  NAME=NN_name          new-assignment: the new folder, e.g. NAME=08_dropout"
	@echo "  QUICK=1               bench: small classes, one anchor sample (a smoke test, not numbers to quote)"
	@echo "  PYTHON=python3.x      the Python that creates .venv/ [$(PYTHON)]"
	@echo ""
	@echo "Every command also runs as .venv/bin/python -m autograder COMMAND; --help lists them."

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

install: $(STAMP)
	@echo ".venv/ is ready; to use it in this shell: source .venv/bin/activate"

grade: $(STAMP)
	$(PY) -m autograder grade $(SUBMISSIONS) --out $(OUT) $(if $(JOBS),--jobs $(JOBS)) \
		$(if $(HIDDEN_VISIBILITY),--hidden-visibility $(HIDDEN_VISIBILITY)) $(if $(SIMILARITY),--similarity)

similarity: $(STAMP)
	$(PY) -m autograder similarity $(SUBMISSIONS) --out $(OUT)

screenshots: $(STAMP)
	test -f $(OUT)/summary.html || $(MAKE) --no-print-directory grade
	$(PY) -m autograder.tools.screenshots $(OUT)

nbgrade: $(STAMP)
	$(PY) -m autograder.nbgrade $(SUBMITTED) --course $(COURSE)

test: $(STAMP)
	$(PY) -m pytest tests -n auto --dist loadgroup

# pytest's exit status 1 means "some checks failed": that is the score, not a broken build, so
# make check exits 0 then; any other failure (2 interrupted or a collection error, 3 internal
# error, 4 usage error, 5 no tests collected) is passed on.
check: $(STAMP)
	@cd assignments && $(abspath $(PY)) -m pytest --gradkit-html ../report.html; status=$$?; \
	if [ $$status -eq 1 ]; then echo "make check: some checks failed (the points above; report.html); exit status 0"; \
	else exit $$status; fi

release: $(STAMP)
	$(PY) -m autograder.build.release
	$(PY) -m autograder.build.examples

bench: $(STAMP)
	$(PY) -m autograder.tools.bench $(if $(QUICK),--quick)

gradescope: $(STAMP)
	$(PY) -m autograder.build.gradescope $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT)) \
		$(if $(HIDDEN_VISIBILITY),--hidden-visibility $(HIDDEN_VISIBILITY))

classroom: $(STAMP)
	$(PY) -m autograder.build.classroom $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT))

classroom50: $(STAMP)
	$(PY) -m autograder.build.classroom50 $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT))

student-zip: $(STAMP)
	$(PY) -m autograder.build.bundle

new-assignment: $(STAMP)
	$(if $(NAME),,$(error give the new assignment's folder: make new-assignment NAME=08_xxx))
	$(PY) -m autograder.build.scaffold $(NAME)

lint: $(STAMP)
	$(PY) -m pip install --quiet ruff==0.14.4
	$(PY) -m ruff check autograder gradkit tests source

clean:
	rm -rf $(VENV) grades dist
