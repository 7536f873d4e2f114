# SPDX-License-Identifier: GPL-2.0
# cowbench: one non-recursive Makefile. `make help` lists the targets.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g
WERROR  ?= 0
SAN     ?= 0
STATIC  ?= 0

WARNINGS := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wno-unused-parameter
ifeq ($(WERROR),1)
WARNINGS += -Werror
endif
# -iquote: lib/numa.h must not hide libnuma's <numa.h>.
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
override CPPFLAGS += -D_GNU_SOURCE -iquote lib -DCOWBENCH_VERSION=\"$(VERSION)\"
override CFLAGS += -std=gnu11 $(WARNINGS) -MMD -MP
ifeq ($(SAN),1)
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(STATIC),1)
override LDFLAGS += -static
endif

.DELETE_ON_ERROR:
# Objects made on the way to a binary are kept, not rebuilt every time.
.SECONDARY:
.SECONDEXPANSION:
.PHONY: all deps run check unit-tests tests plots install uninstall clean help fuzz

# lib/: the core every binary links, and modules with heavy dependencies
# that only the binaries naming them link (DESIGN.md).
CORE_MODULES := log opt clock stats vmstat journal knobs cgroup swap pagemap proc csv csvread region
LDLIBS_pmu   := -lpfm
LDLIBS_topo  := -lhwloc
LDLIBS_numa  := -lnuma
LDLIBS_pin   := -luring
LDLIBS_bench := -lpfm
# A module's own dependencies on other optional modules.
NEEDS_bench  := pmu
NEEDS_disturb := numa

# Binaries: bench/*.c, stress/*.c and the C tools. LIBS_<name> lists the
# optional modules a binary uses.
BENCHES := $(basename $(notdir $(wildcard bench/*.c)))
STRESS  := $(basename $(notdir $(wildcard stress/*.c)))
TOOLS   := $(basename $(notdir $(wildcard tools/*.c)))
PROGS   := $(BENCHES) $(STRESS) $(TOOLS)

LIBS_cow-fault     := bench topo numa
LIBS_fork-pin      := bench topo pin
LIBS_thp-mapcount  := bench numa topo
LIBS_ksm-cow       := bench ksm
LIBS_swap-dirty    := bench dirty
LIBS_pin-stability := bench pin disturb
LIBS_cowbench-compare := compare cmpplot report
LIBS_cowbench-restore :=

# Unit tests: tests/unit/test_*.c; LIBS_test_<x> as above.
UNIT_TESTS := $(basename $(notdir $(wildcard tests/unit/test_*.c)))
LIBS_test_pmu  := pmu
LIBS_test_topo := topo numa
LIBS_test_harness := bench
LIBS_test_pin := pin
LIBS_test_disturb := disturb
LIBS_test_ksm := ksm
LIBS_test_dirty := dirty
LIBS_test_compare := compare report

modules_of = $(sort $(1) $(foreach m,$(1),$(NEEDS_$(m))))
mod_objs   = $(patsubst %,$(BUILD)/obj/lib/%.o,$(call modules_of,$(1)))
mod_ldlibs = $(foreach m,$(call modules_of,$(1)),$(LDLIBS_$(m)))

CORE_LIB  := $(BUILD)/libcowbench.a
CORE_OBJS := $(patsubst %,$(BUILD)/obj/lib/%.o,$(CORE_MODULES))
BIN_PROGS := $(patsubst %,$(BUILD)/bin/%,$(PROGS))
BIN_TESTS := $(patsubst %,$(BUILD)/tests/%,$(UNIT_TESTS))
# Programs integration tests run to make inputs (not tests): tests/helpers/*.c.
TEST_HELPERS := $(basename $(notdir $(wildcard tests/helpers/*.c)))
BIN_HELPERS  := $(patsubst %,$(BUILD)/tests/helpers/%,$(TEST_HELPERS))

all: $(BIN_PROGS)

tests: $(BIN_TESTS) $(BIN_HELPERS)

$(CORE_LIB): $(CORE_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/obj/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
$(BUILD)/obj/%.o: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
$(BUILD)/obj/%.o: stress/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
$(BUILD)/obj/%.o: tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
$(BUILD)/obj/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -c -o $@ $<
$(BUILD)/obj/tests/helpers/%.o: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/bin/%: $(BUILD)/obj/%.o $$(call mod_objs,$$(LIBS_$$*)) $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(CORE_LIB) $(call mod_ldlibs,$(LIBS_$*)) -lm -lpthread $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $$(call mod_objs,$$(LIBS_$$*)) $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(CORE_LIB) $(call mod_ldlibs,$(LIBS_$*)) -lm -lpthread $(LDLIBS)
$(BUILD)/tests/helpers/%: $(BUILD)/obj/tests/helpers/%.o $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(CORE_LIB) -lm -lpthread $(LDLIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

deps:
	@tools/deps

# The quick suite, with figures.
run: deps all
	tools/cowbench run --quick

plots:
	@test -n "$(DIR)" || { echo "usage: make plots DIR=results/<label>" >&2; exit 2; }
	tools/cowbench plot $(DIR)

unit-tests: $(BIN_TESTS)

# libFuzzer on the results-CSV reader (clang); not part of `make check`,
# whose unit test already runs a fixed-seed mutation test of it.
FUZZ_SECONDS ?= 60
fuzz:
	@mkdir -p $(BUILD)/fuzz/corpus
	clang -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS) -std=gnu11 \
		-o $(BUILD)/fuzz/fuzz_csvread tests/fuzz/fuzz_csvread.c lib/csvread.c lib/csv.c
	$(BUILD)/fuzz/fuzz_csvread -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		$(BUILD)/fuzz/corpus tests/fuzz/corpus

# Everything CI runs: dependencies, a -Werror build, a sanitizer build of
# the unit tests, then every test (unit and real runs of every binary).
check: deps
	$(MAKE) WERROR=1 all tests
	$(MAKE) WERROR=1 SAN=1 BUILD=$(BUILD)-san unit-tests
	tests/run --build $(BUILD) --san-build $(BUILD)-san

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/cowbench \
		$(DESTDIR)$(PREFIX)/share/cowbench/plots $(DESTDIR)$(PREFIX)/share/cowbench/suite
	install -m 755 $(BIN_PROGS) $(DESTDIR)$(PREFIX)/libexec/cowbench/
	install -m 644 plots/*.gp $(DESTDIR)$(PREFIX)/share/cowbench/plots/
	install -m 644 tools/suite/* $(DESTDIR)$(PREFIX)/share/cowbench/suite/
	install -m 755 tools/vm tools/vm-init $(DESTDIR)$(PREFIX)/libexec/cowbench/
	install -m 755 tools/cowbench $(DESTDIR)$(PREFIX)/bin/cowbench

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/libexec/cowbench $(DESTDIR)$(PREFIX)/share/cowbench
	rm -f $(DESTDIR)$(PREFIX)/bin/cowbench

clean:
	rm -rf $(BUILD) $(BUILD)-san build-static

help:
	@echo 'cowbench targets:'
	@echo '  make            build every binary into $(BUILD)/bin'
	@echo '  make deps       install missing Debian packages (as root), else print the apt-get command'
	@echo '  make run        deps + build + quick suite + figures (results/<label>/)'
	@echo '  make check      deps + -Werror build + sanitizer unit tests + all tests; ends "N passed, N failed"'
	@echo '  make plots DIR=results/<label>   render the figures of a run again'
	@echo '  make install    install into $$(DESTDIR)$$(PREFIX) (PREFIX=$(PREFIX))'
	@echo '  make fuzz       libFuzzer on the CSV reader for FUZZ_SECONDS (60; needs clang)'
	@echo '  make clean      remove build outputs'
	@echo 'Variables: WERROR=1, SAN=1 (ASan+UBSan), STATIC=1, BUILD=dir, CC, CFLAGS.'
