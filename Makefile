# Two commands do everything on a fresh machine:
#   make demo   install, ingest the sample courses, train the dialogue model if stale, chat in the terminal
#   make test   install and run the test suite
export RASA_TELEMETRY_ENABLED := false

.PHONY: setup demo test test-fast eval serve clean

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/tutor demo

serve: setup
	.venv/bin/tutor ingest data/courses
	.venv/bin/tutor train
	.venv/bin/tutor serve

test: setup
	.venv/bin/python -m pytest

test-fast: setup
	.venv/bin/python -m pytest -m "not integration"

eval: setup
	.venv/bin/tutor eval rag
	.venv/bin/tutor eval reading
	.venv/bin/tutor eval handbook
	.venv/bin/tutor eval cmrc
	.venv/bin/tutor eval crosslingual
	.venv/bin/tutor eval assessment
	.venv/bin/tutor eval rubric
	.venv/bin/tutor eval recommender
	.venv/bin/tutor eval lrs

clean:
	rm -rf var models .pytest_cache
