# gongzhi: the two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/gongzhi/static/vendor
PORT ?= 8000

.PHONY: demo test lint typecheck pytest setup static fonts clean messages compile-messages bench

setup: $(VENV)/.installed static fonts

# PDFs (certificates, bulletins) embed Debian's Noto CJK fonts: install them where we can
# (as root with apt-get); otherwise say so once. The PDF commands name a missing font too.
fonts:
	@if ! fc-list 2>/dev/null | grep -q "Noto Serif CJK SC"; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 || \
	     (apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null)) || \
	    echo "note: could not install fonts-noto-cjk; PDFs need it"; \
	  else \
	    echo "note: PDFs need the Noto CJK fonts (Debian/Ubuntu: sudo apt-get install fonts-noto-cjk)"; \
	  fi; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static: $(VENDOR)/.copied

$(VENDOR)/.copied: node_modules/.installed
	mkdir -p $(VENDOR)/leaflet/images
	cp node_modules/bootstrap/dist/css/bootstrap.min.css $(VENDOR)/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css $(VENDOR)/leaflet/
	cp node_modules/leaflet/dist/images/*.png $(VENDOR)/leaflet/images/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js node_modules/leaflet.markercluster/dist/MarkerCluster.css node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css $(VENDOR)/leaflet/
	touch $@

demo: setup
	$(BIN)/gongzhi demo --port $(PORT)

lint: setup
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)

typecheck: setup
	$(BIN)/mypy src/gongzhi/core $$(ls src/gongzhi/*/services*.py | grep -v /core/)

pytest: setup
	$(BIN)/gongzhi manage makemigrations --check --dry-run
	DATABASE_CONN_MAX_AGE=0 $(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

# The import benchmark against django-import-export (installed for it only), on the
# PostgreSQL named by BENCH_DATABASE_URL; it creates and migrates that database itself.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/gongzhi_bench
bench: setup
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/import_attendance.py

# Collect the translatable strings into the zh-Hans catalogue (needs gettext's xgettext).
messages: setup
	cd src/gongzhi && GONGZHI_DATA_DIR=../../var ../../$(BIN)/gongzhi manage makemessages -l zh_Hans --no-obsolete --no-location --ignore 'static/vendor/*'
	cd src/gongzhi && GONGZHI_DATA_DIR=../../var ../../$(BIN)/gongzhi manage makemessages -d djangojs -l zh_Hans --no-obsolete --no-location --ignore 'static/vendor/*'

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var

# Compile .po into .mo with polib (no gettext tools needed at run time).
compile-messages: setup
	$(BIN)/python -c "import polib, pathlib; [polib.pofile(str(p)).save_as_mofile(str(p.with_suffix('.mo'))) for p in pathlib.Path('src/gongzhi/locale').rglob('*.po')]"
