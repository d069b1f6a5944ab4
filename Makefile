# pbstat — the commands a newcomer needs.
#   make demo   build, then run pbstat on the sample county in data-samples/
#   make test   the whole test suite (unit + integration, real binary)
CARGO ?= cargo
# The binary is run through cargo, which builds it first and finds it
# wherever the target folder is (CARGO_TARGET_DIR, build.target-dir).
PBSTAT := $(CARGO) run --quiet --bin pbstat --
PERIOD := 2026Q3

.PHONY: all build demo test bench bench-large bench-against bench-small fmt lint samples clean man install docs bless

all: build

build:
	$(CARGO) build

# Validate, audit and aggregate the sample county with the embedded default
# schemas; the report lands in demo-out/ (open demo-out/report.xlsx). The
# quarter before is aggregated first into demo-history/, so that the report
# compares with it (--previous) and shows the trend (--history).
demo:
	$(PBSTAT) aggregate data-samples/2026Q2 --period 2026Q2 --registry data-samples/registry.xlsx -q -o demo-history/2026Q2
	$(PBSTAT) aggregate data-samples --period $(PERIOD) --registry data-samples/registry.xlsx --previous demo-history/2026Q2 --history demo-history -o demo-out
	$(PBSTAT) report demo-out

test:
	$(CARGO) test

# The optimised pbstat on your PATH (~/.cargo/bin/pbstat), an optimised
# build of several minutes; the debug binary of `make demo` is about ten
# times slower on a whole quarter.
install:
	$(CARGO) install --path . --locked

# Speed and memory on a generated province-scale quarter (release build):
# wall time, CPU time and peak RSS of validate and aggregate against two
# floors (inflate only; calamine reading every cell), at two sizes, on files
# written with shared strings, inline strings, as .xls and a mix (.xls and
# .ods converted by LibreOffice when it is installed; minutes the first
# time, then cached), as medians of interleaved rounds.
# With valgrind on the machine, also instruction counts at 100 communities,
# which do not depend on how busy the machine is (a few minutes more).
# Results: bench/results.md. ROUNDS=N for more or fewer rounds.
ROUNDS ?= 5
bench:
	$(CARGO) build --release --bins --examples
	$(CARGO) run --release --example bench -- --rounds $(ROUNDS) --instructions --out bench/results.md

# Once, outside make test: 10,000 communities + 40,000 units (50,000
# workbooks, ≈0.7 GB generated under bench/data/) beside 1,000, one run
# each. Results: bench/results-large.md.
bench-large:
	$(CARGO) build --release --bins --examples
	$(CARGO) run --release --example bench -- --large --out bench/results-large.md

# This build against an earlier commit on this machine and the same data
# (bench/against.sh): make bench-against REV=<commit> [ROUNDS=N]. The first
# time for a commit, a whole build of it under target/against/.
bench-against:
	bench/against.sh $(REV) $(ROUNDS)

bench-small:
	$(CARGO) build --release --bins --examples
	$(CARGO) run --release --example bench -- --small --rounds $(ROUNDS) --out bench/results-small.md

# The reference pages docs/codes.md, docs/forms.md and docs/tables.md,
# regenerated from src/diag.rs and schemas/ (a test
# fails while a committed page is stale).
docs:
	PBSTAT_BLESS=1 $(CARGO) test --test it docs::

# Accept a deliberate change of output: rewrite tests/golden/ (review the diff).
bless:
	PBSTAT_BLESS=1 $(CARGO) test --test it golden::

# Man pages from the command-line definitions: man/pbstat.1, man/pbstat-<command>.1
man:
	$(CARGO) run --example man -- man

fmt:
	$(CARGO) fmt

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

# Regenerate data-samples/ from examples/make_samples.rs (deterministic).
samples:
	rm -rf data-samples
	$(CARGO) run --example make_samples -- data-samples

clean:
	$(CARGO) clean
