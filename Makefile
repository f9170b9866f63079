# Orgportal — `make run` serves the portal, `make test` runs the whole suite.
# The first Python from 3.11 up that is on the PATH; `make run PYTHON=python3.13` picks one.
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3.14 python3; do command -v $$p >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in the emails point at the address `make run` serves on, unless SITE_URL is set.
SITE_URL ?= http://$(HOST):$(PORT)

# --- Billing ---------------------------------------------------------------------------
# Unless real Stripe keys are in the environment, `make run` starts localstripe (a fake
# Stripe API and Stripe.js) on 127.0.0.1:$(STRIPE_PORT) beside the portal, points the
# portal at it with test keys, and stops it with the portal.
STRIPE_PORT ?= 8420
ifeq ($(STRIPE_SECRET_KEY),)
run demo: LOCALSTRIPE := 1
run demo: export STRIPE_API_BASE := http://127.0.0.1:$(STRIPE_PORT)
run demo: export STRIPE_SECRET_KEY := sk_test_localstripe
run demo: export STRIPE_PUBLISHABLE_KEY := pk_test_localstripe
run demo: export STRIPE_WEBHOOK_SECRET := whsec_localstripe_demo
endif

.DEFAULT_GOAL := help
.PHONY: help install run test bench lint format migrate demo worker check-deploy clean smoke

help:
	@echo "make run      set up, migrate, load demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test     the whole test suite (PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set)"
	@echo "make worker   a Celery worker with beat, against REDIS_URL"
	@echo "make bench    seed a PostgreSQL database at scale, time the key pages, drop it (BENCH_* sizes)"
	@echo "make lint     ruff (check and format --check); make format fixes what it can"
	@echo "make check-deploy   Django's deployment checks with production-like settings"
	@echo "make migrate / make demo   apply migrations / load the demo data"
	@echo "make clean    remove the virtualenv and build leftovers"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { echo "Python 3.11 or newer is required ($(PYTHON) is missing or older)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints-build.txt
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.3"
	$(BIN)/python -m pip install --quiet --build-constraint constraints-build.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	SITE_URL="$(SITE_URL)" $(BIN)/python manage.py load_demo_data
	SITE_URL="$(SITE_URL)" $(BIN)/python manage.py load_demo_invitations
	SITE_URL="$(SITE_URL)" $(BIN)/python manage.py load_demo_billing
	SITE_URL="$(SITE_URL)" $(BIN)/python manage.py load_sso_demo --idp-url "$(IDP_URL)"
	@SITE_URL="$(SITE_URL)" $(BIN)/python manage.py load_demo_data --logins-only
	@# Management API (issue 12): the demo's API clients and their credentials
	@SITE_URL="$(SITE_URL)" $(BIN)/python manage.py load_demo_api_clients
	@# SCIM provisioning: wayne's demo SCIM token and a curl line that lists its users.
	@SITE_URL="$(SITE_URL)" $(BIN)/python manage.py load_demo_scim

# localstripe and the demo identity provider must run while the demo data is loaded and
# while the portal serves, so the demo's steps are in this one shell (no sub-make:
# `make -n run` must only print); both stop with the portal.
run: migrate demo-idp
	@mkdir -p var var/demo-idp
	@DJANGO_SETTINGS_MODULE=sso.demo_idp.settings SSO_DEMO_IDP_DIR=var/demo-idp \
	$(BIN)/gunicorn --bind $(HOST):$(IDP_PORT) --workers 1 --threads 4 sso.demo_idp.wsgi \
		>var/demo-idp/server.log 2>&1 & idp=$$!; ls_pid=; \
	trap 'kill $$idp $$ls_pid 2>/dev/null' EXIT; trap 'kill $$idp $$ls_pid 2>/dev/null; exit 130' INT TERM; \
	echo "Demo identity provider (Wayne SSO) on $(IDP_URL), log in var/demo-idp/server.log"; \
	if [ -n "$(LOCALSTRIPE)" ]; then \
	  SITE_URL="$(SITE_URL)" $(BIN)/python manage.py localstripe --port $(STRIPE_PORT) >var/localstripe.log 2>&1 & \
	  ls_pid=$$!; \
	  for i in $$(seq 50); do $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', $(STRIPE_PORT)), 1)" 2>/dev/null && break; sleep 0.2; done; \
	  echo "Billing: localstripe (a fake Stripe) runs on $$STRIPE_API_BASE; its log is var/localstripe.log"; \
	fi; \
	SITE_URL="$(SITE_URL)" $(BIN)/python manage.py load_demo_data && \
	SITE_URL="$(SITE_URL)" $(BIN)/python manage.py load_demo_invitations && \
	SITE_URL="$(SITE_URL)" $(BIN)/python manage.py load_demo_billing && \
	SITE_URL="$(SITE_URL)" $(BIN)/python manage.py load_sso_demo --idp-url "$(IDP_URL)" && \
	SITE_URL="$(SITE_URL)" $(BIN)/python manage.py load_demo_data --logins-only && \
	SITE_URL="$(SITE_URL)" $(BIN)/python manage.py load_demo_api_clients && \
	SITE_URL="$(SITE_URL)" $(BIN)/python manage.py load_demo_scim && \
	SITE_URL="$(SITE_URL)" $(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: install
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run a worker."; exit 1; }
	mkdir -p var
	$(BIN)/celery -A config worker --beat --schedule var/celerybeat-schedule --loglevel=INFO

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/run.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: install
	DJANGO_DEBUG=false \
	DJANGO_SECRET_KEY="$$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	DJANGO_ALLOWED_HOSTS=orgportal.example.com \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# Operations: gunicorn with production settings (deploy/), checked over HTTP, stopped.
smoke: install
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL (PostgreSQL) and REDIS_URL to run the smoke test."; exit 1; }
	$(BIN)/python deploy/smoke.py --serve --demo-data

# Enterprise sign-in: the demo identity provider `make run` starts beside the portal
# (a second instance of Orgportal running allauth's OpenID Provider, sso/demo_idp/),
# with its own SQLite file and signing key under var/demo-idp/, stopped with the portal.
IDP_PORT ?= 8430
IDP_URL ?= http://$(HOST):$(IDP_PORT)
IDP_MANAGE := DJANGO_SETTINGS_MODULE=sso.demo_idp.settings SSO_DEMO_IDP_DIR=var/demo-idp $(BIN)/python manage.py
.PHONY: demo-idp

demo-idp: install
	$(IDP_MANAGE) migrate --noinput -v0
	$(IDP_MANAGE) demo_idp_setup --client-id orgportal-wayne \
		--client-secret wayne-demo-client-secret \
		--redirect-uri "$(SITE_URL)/accounts/oidc/sso-wayne/login/callback/" \
		--user "bruce@wayne.test:Bruce Wayne" --user "lucius@wayne.test:Lucius Fox" \
		--user "alfred@wayne.test:Alfred Pennyworth" --user "selina@wayne.test:Selina Kyle" \
		--password orgportal-demo
