# omen — build, test, demo and benchmark.  `make help` lists the targets.
#
#   make            build/omen.so (load with `.load build/omen`)
#   make test       every suite; the last line is "N passed, N failed"
#   make demo       a sample execution-history database, then sql/demo.sql
#   make bench      omen side by side with the reference, ratios printed
#
# `make test` and `make demo` first run tools/ensure-deps, which installs the
# Debian packages they need (apt-get, when root) or prints the line to run.

CC      ?= cc
OPT     ?= -O2
CFLAGS_COMMON = -std=c11 -g -fPIC -Wall -Wextra -Wshadow -Wno-unused-parameter \
                -D_GNU_SOURCE -fvisibility=hidden
# --as-needed: omen calls LAPACK through LAPACKE only, so the module needs no
# direct liblapack (Debian's gcc passes it anyway; clang does not).
LIBS    = -Wl,--as-needed -llapacke -llapack -lxxhash -lpthread -ldl -lm
PYTHON  ?= /usr/bin/python3
SQLITE3 ?= sqlite3

# The core: base/ below one folder per numerical family (docs/ARCHITECTURE.md).
CORE_DIRS = ext/core/base ext/core/stats ext/core/prep ext/core/gbt ext/core/forest ext/core/baseline ext/core/robust ext/core/ensemble ext/core/hist ext/core/conformal ext/core/ts ext/core/bandit
CORE_SRC = $(sort $(wildcard $(CORE_DIRS:%=%/*.c)))
CORE_INC = $(CORE_DIRS:%=-I%)
EXT_SRC  = $(sort $(wildcard ext/*.c))
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_SRC := $(filter-out tests/unit/test_alloc.c,$(UNIT_SRC))

# Two flavours share the rules: release in build/, sanitizers in build-asan/.
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

define flavour
$(1)/core/%.o: ext/core/%.c
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS_COMMON) $(2) -MMD -MP -c $$< -o $$@
$(1)/ext/%.o: ext/%.c VERSION | $(1)/ext
	$$(CC) $$(CFLAGS_COMMON) $(2) -DOMEN_VERSION='"$$(shell cat VERSION)"' \
	  -DOMEN_CFLAGS='"$$(strip $$(CFLAGS_COMMON) $(2))"' -MMD -MP -c $$< -o $$@
$(1)/omen.so: $$(CORE_SRC:ext/core/%.c=$(1)/core/%.o) $$(EXT_SRC:ext/%.c=$(1)/ext/%.o)
	$$(CC) -shared -Wl,-z,defs $(2) -o $$@ $$^ $$(LIBS)
$(1)/unit/%.o: tests/unit/%.c | $(1)/unit
	$$(CC) $$(CFLAGS_COMMON) $(2) $$(CORE_INC) -MMD -MP -c $$< -o $$@
$(1)/unit/test_%: $(1)/unit/test_%.o $(1)/unit/test_alloc.o $$(CORE_SRC:ext/core/%.c=$(1)/core/%.o)
	$$(CC) $(2) -o $$@ $$^ $$(LIBS)
$(1)/core $(1)/ext $(1)/unit:
	mkdir -p $$@
endef

$(eval $(call flavour,build,$(OPT)))
# A private release build for parallel work: make B=build-x build-x/omen.so
ifneq ($(B),)
ifneq ($(B),build)
$(eval $(call flavour,$(B),$(OPT)))
endif
endif
$(eval $(call flavour,build-asan,-O1 $(SAN_FLAGS)))

UNIT_BINS      = $(UNIT_SRC:tests/unit/%.c=build/unit/%)
UNIT_BINS_ASAN = $(UNIT_SRC:tests/unit/%.c=build-asan/unit/%)

.PHONY: all help deps deps-test test test-unit test-sql test-python test-api test-odbc test-docs \
        asan valgrind demo bench install format clean fixtures fuzz-quick amalgamation test-static
.DEFAULT_GOAL := all

all: build/omen.so

# make help: one line per target.  tests/make_help_test.py checks that every
# .PHONY target is listed here, so add a line when you add a target.
help:
	@echo 'omen make targets (run from the repository root):'
	@echo '  all          build build/omen.so (the default; load it with .load build/omen) and build/libomen_auto.so (LD_PRELOAD)'
	@echo '  help         this list'
	@echo '  deps         install (or print the apt-get line for) the build packages'
	@echo '  deps-test    the same for the test packages'
	@echo '  test         every suite below (unit sql python api odbc docs static package auto wheel clients asan); last line "N passed, N failed"'
	@echo '  test-unit    the C unit tests of ext/core (build/unit/test_*)'
	@echo '  test-sql     tests/sql/*.sql and the docs/*.md examples through the sqlite3 shell'
	@echo '  test-python  the same SQL files through Python sqlite3, plus interrupt and model-cache tests'
	@echo '  test-api     the functions and modules registered vs the table in docs/API.md'
	@echo '  test-odbc    a smoke test through isql and the SQLite ODBC driver'
	@echo '  test-clients Node.js (better-sqlite3) and sqlite-utils load omen; installs them first (npm into ~/.cache, apt-get)'
	@echo '  test-docs    README.md queries on a fresh demo database, docs errors tables vs ext/*.c, the tutorial vs sql/runtime_recipe.sql, this list'
	@echo '  test-static  the amalgamation linked statically with libsqlite3.a, loaded as an extension, and make install with omen.pc'
	@echo '  wheel        the Python package build/wheel/omen_sqlite-<version>-py3-none-<platform>.whl, omen.so inside (docs/PYTHON.md)'
	@echo '  test-wheel   build the wheel, pip install it in a fresh venv, run the quick start from Python (tests/wheel_test.py)'
	@echo '  asan         unit and SQL tests against the ASan/UBSan build (build-asan/)'
	@echo '  valgrind     unit and SQL tests (not the slow ones) under valgrind memcheck'
	@echo '  fuzz-quick   libFuzzer over every BLOB decoder, FUZZ_SECONDS (60) each; needs clang-14'
	@echo '  demo         build build/demo.db (20,000 sample runs) and run the tour in sql/demo.sql'
	@echo '  bench        omen against the reference libraries, ratios printed (docs/BENCHMARKS.md)'
	@echo '  fixtures     regenerate the committed reference fixtures (needs python3-scipy & co.)'
	@echo '  install      copy omen.so to PREFIX/lib/omen/ and sql/*.sql to PREFIX/share/omen/sql/ (PREFIX=/usr/local, DESTDIR)'
	@echo '               and omen.h to PREFIX/include/, omen.pc to PREFIX/lib/pkgconfig/'
	@echo '  amalgamation build/amalgamation/omen.c and omen.h: all of omen in one C file (docs/EMBED.md)'
	@echo '  package      the Debian package ../libsqlite3-mod-omen_<VERSION>-1_<arch>.deb (dpkg-buildpackage -b; docs/DEBIAN.md)'
	@echo '  package-test build the .deb from a copy of the tree, install it in a fresh bookworm chroot, .load mod_omen, predict (root)'
	@echo '  cluster-test three dqlite nodes on 127.0.0.1 with build/libomen_auto.so preloaded (built by all): train, save, predict; kill leaders and followers mid-statement and compare with a local file (root; docs/CLUSTER.md)'
	@echo '  format       clang-format the C sources in place'
	@echo '  clean        remove build/, build-asan/ and build-fuzz/'
	@echo 'Variables: CC, OPT (-O2), PYTHON (/usr/bin/python3), SQLITE3 (sqlite3), PREFIX, DESTDIR, FUZZ_CC, FUZZ_SECONDS.'

deps:
	@sh tools/ensure-deps build

deps-test:
	@sh tools/ensure-deps test

# make test: every suite, then the total.  tests/run-suites does the counting.
test: deps-test
	@$(MAKE) --no-print-directory build/omen.so $(UNIT_BINS) build-asan/omen.so $(UNIT_BINS_ASAN)
	@sh tests/run-suites all

test-unit: $(UNIT_BINS)
	@sh tests/run-suites unit

test-sql: build/omen.so
	@sh tests/run-suites sql

test-python: build/omen.so
	@sh tests/run-suites python

test-api: build/omen.so
	@sh tests/run-suites api

test-odbc: build/omen.so
	@sh tests/run-suites odbc

test-docs: build/omen.so
	@sh tests/run-suites docs

test-static:
	@sh tests/run-suites static

asan: build-asan/omen.so $(UNIT_BINS_ASAN)
	@sh tests/run-suites asan

valgrind: build/omen.so $(UNIT_BINS)
	@sh tests/run-suites valgrind

demo: deps
	@$(MAKE) --no-print-directory build/omen.so
	@sh tools/demo

bench: deps
	@$(MAKE) --no-print-directory build/omen.so
	@sh tools/ensure-deps bench
	@$(PYTHON) tools/bench.py
	@$(PYTHON) tools/bench_gbt.py
	@$(PYTHON) tools/bench_real.py
	@$(PYTHON) tools/bench_anomaly.py
	@$(PYTHON) tools/bench_baseline.py
	@$(PYTHON) tools/bench_history.py
	@$(PYTHON) tools/bench_forecast.py
	@$(PYTHON) tools/bench_experiments.py
	@$(PYTHON) tools/bench_sequential.py
	@$(PYTHON) tools/bench_bandit.py
	@$(PYTHON) tools/bench_production.py

# Regenerate the committed reference fixtures (needs python3-scipy & co.).
fixtures:
	@sh tools/ensure-deps fixtures
	@for s in fixtures/*/make_*.py; do echo "== $$s"; $(PYTHON) $$s || exit 1; done

# libFuzzer targets over every BLOB decoder (clang + libclang-rt-14-dev), 60 s each
# by default; FUZZ_SECONDS=600 for a longer run.  Scratch corpora live in
# build-fuzz/, the committed seeds in tests/fuzz/corpus_* are only read.
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_CORE    = $(CORE_SRC)  # every family: the kind table (base/mdl_kinds.c) names them all
FUZZ_FLAGS   = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=c11 \
               -D_GNU_SOURCE $(CORE_INC)
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_alloc.c $(FUZZ_CORE)
	@mkdir -p build-fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) $^ $(LIBS) -o $@
fuzz-quick: build-fuzz/fuzz_fv build-fuzz/fuzz_model build-fuzz/fuzz_gbt build-fuzz/fuzz_train build-fuzz/fuzz_ifo build-fuzz/fuzz_mah build-fuzz/fuzz_baseline build-fuzz/fuzz_conformal build-fuzz/fuzz_forecast build-fuzz/fuzz_bandit build-fuzz/fuzz_welch_state build-fuzz/fuzz_scaler_state build-fuzz/fuzz_metrics_state build-fuzz/fuzz_baseline_state build-fuzz/fuzz_mahalanobis_state
	@mkdir -p build-fuzz/fv build-fuzz/model build-fuzz/gbt build-fuzz/train build-fuzz/ifo build-fuzz/mah build-fuzz/baseline build-fuzz/conformal build-fuzz/forecast build-fuzz/bandit build-fuzz/welch_state build-fuzz/scaler_state build-fuzz/metrics_state build-fuzz/baseline_state build-fuzz/mahalanobis_state
	build-fuzz/fuzz_fv -max_total_time=$(FUZZ_SECONDS) build-fuzz/fv tests/fuzz/corpus_fv
	build-fuzz/fuzz_model -max_total_time=$(FUZZ_SECONDS) build-fuzz/model tests/fuzz/corpus_model
	build-fuzz/fuzz_gbt -max_total_time=$(FUZZ_SECONDS) build-fuzz/gbt tests/fuzz/corpus_gbt
	build-fuzz/fuzz_train -max_total_time=$(FUZZ_SECONDS) build-fuzz/train tests/fuzz/corpus_train
	build-fuzz/fuzz_ifo -max_total_time=$(FUZZ_SECONDS) build-fuzz/ifo tests/fuzz/corpus_ifo
	build-fuzz/fuzz_mah -max_total_time=$(FUZZ_SECONDS) build-fuzz/mah tests/fuzz/corpus_mah
	build-fuzz/fuzz_baseline -max_total_time=$(FUZZ_SECONDS) build-fuzz/baseline tests/fuzz/corpus_baseline
	build-fuzz/fuzz_conformal -max_total_time=$(FUZZ_SECONDS) build-fuzz/conformal tests/fuzz/corpus_conformal
	build-fuzz/fuzz_forecast -max_total_time=$(FUZZ_SECONDS) build-fuzz/forecast tests/fuzz/corpus_forecast
	build-fuzz/fuzz_bandit -max_total_time=$(FUZZ_SECONDS) build-fuzz/bandit tests/fuzz/corpus_bandit
	build-fuzz/fuzz_welch_state -max_total_time=$(FUZZ_SECONDS) build-fuzz/welch_state tests/fuzz/corpus_welch_state
	build-fuzz/fuzz_scaler_state -max_total_time=$(FUZZ_SECONDS) build-fuzz/scaler_state tests/fuzz/corpus_scaler_state
	build-fuzz/fuzz_metrics_state -max_total_time=$(FUZZ_SECONDS) build-fuzz/metrics_state tests/fuzz/corpus_metrics_state
	build-fuzz/fuzz_baseline_state -max_total_time=$(FUZZ_SECONDS) build-fuzz/baseline_state tests/fuzz/corpus_baseline_state
	build-fuzz/fuzz_mahalanobis_state -max_total_time=$(FUZZ_SECONDS) build-fuzz/mahalanobis_state tests/fuzz/corpus_mahalanobis_state

# The amalgamation (tools/amalgamate.py, docs/EMBED.md): omen.c + omen.h, from
# exactly the sources omen.so is linked from; in $(B)/amalgamation when B is set.
OUT      = $(if $(B),$(B),build)
AMAL_DIR = $(OUT)/amalgamation
$(AMAL_DIR)/omen.c: tools/amalgamate.py VERSION $(CORE_SRC) $(EXT_SRC) $(wildcard ext/*.h $(CORE_DIRS:%=%/*.h))
	@$(PYTHON) tools/amalgamate.py --out $(AMAL_DIR) $(CORE_SRC) $(EXT_SRC)
$(AMAL_DIR)/omen.h: $(AMAL_DIR)/omen.c ;
amalgamation: $(AMAL_DIR)/omen.c

PREFIX ?= /usr/local
install: $(OUT)/omen.so $(AMAL_DIR)/omen.h
	install -d $(DESTDIR)$(PREFIX)/lib/omen
	install -m 0644 $(OUT)/omen.so $(DESTDIR)$(PREFIX)/lib/omen/omen.so
	install -d $(DESTDIR)$(PREFIX)/share/omen/sql
	install -m 0644 sql/*.sql $(DESTDIR)$(PREFIX)/share/omen/sql/
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 0644 $(AMAL_DIR)/omen.h $(DESTDIR)$(PREFIX)/include/omen.h
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell cat VERSION)|g' omen.pc.in >$(DESTDIR)$(PREFIX)/lib/pkgconfig/omen.pc
	chmod 0644 $(DESTDIR)$(PREFIX)/lib/pkgconfig/omen.pc

# Client tests (tests/clients_test.sh, docs/CLIENTS.md): Node.js with
# better-sqlite3 and sqlite-utils.  This target first installs what is missing
# (better-sqlite3 with npm into ~/.cache/omen-clients, sqlite-utils with
# apt-get as root); make test runs the same script without --install.
.PHONY: test-clients
test-clients: build/omen.so
	@sh tests/clients_test.sh --install

# The Python package (python/, docs/PYTHON.md): $(OUT)/wheel/omen_sqlite-<VERSION>-py3-none-<platform>.whl
# with $(OUT)/omen.so inside, built offline by Debian's python3-pip, python3-setuptools and
# python3-wheel; setuptools' scratch files go to $(OUT)/wheel/tmp, never into python/.
.PHONY: wheel test-wheel
WHEEL_DIR = $(OUT)/wheel
wheel: $(OUT)/omen.so
	@$(PYTHON) -c 'import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in ("pip", "setuptools", "wheel")))' 2>/dev/null || { echo 'make wheel: needs python3-pip python3-setuptools python3-wheel (apt-get install python3-pip python3-setuptools python3-wheel)' >&2; exit 1; }
	@rm -rf $(WHEEL_DIR) && mkdir -p $(WHEEL_DIR)/tmp
	@OMEN_SO=$(abspath $(OUT)/omen.so) OMEN_BUILD_DIR=$(abspath $(WHEEL_DIR)/tmp) PIP_DISABLE_PIP_VERSION_CHECK=1 \
	  $(PYTHON) -m pip wheel -q --no-index --no-build-isolation --no-deps --no-cache-dir -w $(WHEEL_DIR) ./python
	@rm -rf $(WHEEL_DIR)/tmp
	@echo $(WHEEL_DIR)/omen_sqlite-*.whl
test-wheel:
	@OMEN_SO=$(OUT)/omen.so $(PYTHON) tests/wheel_test.py

# The Debian package (debian/, docs/DEBIAN.md).  `make package` is
# dpkg-buildpackage -b here: it builds in debian/build and writes the .deb into
# .. (as dpkg-buildpackage always does).  package-test builds from a copy of
# the tree in a temporary directory and installs the .deb into a fresh Debian
# chroot (tools/package_test.sh; needs root, else it skips).
.PHONY: package package-test
package:
	dpkg-buildpackage -b -us -uc -j2
package-test:
	@sh tools/package_test.sh

# libomen_auto.so (ext/auto/omen_auto.c; docs/EMBED.md, docs/CLUSTER.md): omen's
# objects plus an interposer of sqlite3_open, sqlite3_open_v2 and sqlite3_open16,
# for LD_PRELOAD into a process that uses the system's libsqlite3 (a dqlite
# node).  `make` (all) builds it too: the objects are omen.so's, so it costs one
# small file and a link.  cluster-test starts three dqlite nodes with it
# preloaded (tests/cluster/cluster_test.py): it installs go-dqlite as root, and
# skips with a message otherwise; it is not part of make test.
.PHONY: cluster-test
all: $(OUT)/libomen_auto.so
$(OUT)/auto/omen_auto.o: ext/auto/omen_auto.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_COMMON) $(OPT) -MMD -MP -c $< -o $@
$(OUT)/libomen_auto.so: $(OUT)/auto/omen_auto.o $(CORE_SRC:ext/core/%.c=$(OUT)/core/%.o) \
                        $(EXT_SRC:ext/%.c=$(OUT)/ext/%.o) ext/auto/omen_auto.map
	$(CC) -shared -Wl,-z,defs -Wl,--version-script=ext/auto/omen_auto.map $(OPT) -o $@ $(filter %.o,$^) $(LIBS)
cluster-test: $(OUT)/libomen_auto.so $(OUT)/omen.so
	@OMEN_AUTO=$(OUT)/libomen_auto.so OMEN_SO=$(OUT)/omen.so $(PYTHON) tests/cluster/cluster_test.py

format:
	clang-format -i ext/*.c ext/*.h $(CORE_DIRS:%=%/*.c) $(CORE_DIRS:%=%/*.h) tests/unit/*.c tests/unit/*.h

clean:
	rm -rf build build-asan build-fuzz

-include $(wildcard build/*/*.d build-asan/*/*.d build/core/*/*.d build-asan/core/*/*.d $(if $(B),$(B)/*/*.d $(B)/core/*/*.d))
