# Makefile: thin. Every command target calls an npm script or the kit CLI.
# The file targets below only make a fresh clone bootstrap itself: npm ci,
# then the native build of each tree, each redone only when its inputs change.

SHELL := /bin/bash
.DEFAULT_GOAL := help

DEPS := node_modules/.package-lock.json
FRAME := native/fdlab.h native/common.gypi native/lab-functions.json native/lab-functions.cjs $(wildcard native/frame/*)
# Sources, never made: without this, native/lab-functions.json would match the
# pattern rule lab-% below (make compares a slash-less pattern with the file's
# name alone) and be "made" by checking a lab called functions.json.
native/lab-functions.json native/lab-functions.cjs: ;
SOLUTIONS_ADDON := native/trees/solutions/build/Release/fdlab_solutions.node
LABS_ADDON := native/trees/labs/build/Release/fdlab_labs.node

$(DEPS): package.json package-lock.json
	npm ci
	@touch $@

$(SOLUTIONS_ADDON): $(DEPS) $(FRAME) native/trees/solutions/binding.gyp $(wildcard solutions/*/*.cc)
	npm run --silent build:solutions

$(LABS_ADDON): $(DEPS) $(FRAME) native/trees/labs/binding.gyp $(wildcard labs/*/*.cc)
	npm run --silent build:labs

.PHONY: help setup build demo trace bench test
KIT := node --import tsx/esm kit/cli.ts

help: ## list the commands
	@grep -E '^[a-z%-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/; s/%/N/' | expand -t 16

setup: $(DEPS) ## install and build everything (what CI and the devcontainer run)
	@$(MAKE) --no-print-directory build

build: $(SOLUTIONS_ADDON) ## build both trees' addons (a labs compile error is reported, not fatal)
	@$(MAKE) --no-print-directory $(LABS_ADDON) || echo "fdlab: the labs tree does not compile; the solutions tree is built."

demo: $(SOLUTIONS_ADDON) ## the complete demo, from solutions/
	npm run --silent demo

trace: $(DEPS) ## your demo under strace (TREE=labs|solutions picks one): syscalls, dup2, SCM_RIGHTS, per process
	@$(KIT) trace

bench: $(SOLUTIONS_ADDON) ## the benchmarks (bench/README.md explains them)
	npm run --silent bench

lab-%: $(DEPS) ## check your lab N (builds the labs tree if needed)
	@$(KIT) lab $*

solution-%: $(DEPS) ## check lab N against solutions/
	@$(KIT) solution $*

hint-%: $(DEPS) ## the next hint for lab N (LEVEL=k re-reads level k)
	@$(KIT) hint $* $(LEVEL)

# The learner's path (kit/commands/): where am I, keep checking, start over,
# and what is wrong with this machine.
.PHONY: check status watch doctor
check: $(DEPS) ## check the lab you are working on (the lowest not passed; LAB=N picks one)
	@$(KIT) check $(LAB)

status: $(DEPS) ## every lab: passed / failing / not started, hints read (FRESH=1 rechecks all)
	@$(KIT) status $(if $(FRESH),--fresh)

watch: $(DEPS) ## recheck the lab you are working on at every save (LAB=N picks one)
	@$(KIT) watch $(LAB)

reset-%: $(DEPS) ## restore lab N's files to their starting state (backup in .fdlab/backups/)
	@$(KIT) reset $*

compare-%: $(DEPS) ## once lab N passes: your files beside the solution's, as a diff
	@$(KIT) compare $*

doctor: $(DEPS) ## check this machine for what the labs need; prints the fix for each problem
	@$(KIT) doctor

test: build ## the kit's own test suite: type-check, then every test
	npm run --silent typecheck
	npm test

# Reliability (reliability/): the long runs and the sanitizers. `make test`
# runs a short seeded fuzz and a short soak; these print the full figures.
.PHONY: fuzz soak asan memcheck under-load
fuzz: $(SOLUTIONS_ADDON) ## fuzz the public API: 10,000 random call sequences (FDLAB_FUZZ_SEED=n replays one)
	npm run --silent fuzz

soak: $(SOLUTIONS_ADDON) ## 100,000 send/receive cycles with error paths: fd count and RSS growth
	npm run --silent soak

asan: $(DEPS) ## the API tests against the addon built with AddressSanitizer + UBSan
	npm run --silent asan

memcheck: $(SOLUTIONS_ADDON) ## a focused workload under valgrind memcheck: errors in fdlab's own code
	npm run --silent memcheck

under-load: build ## the whole suite RUNS times (default 5) with every core kept busy by stress-ng: finds flaky tests
	npm run --silent under-load -- $(if $(RUNS),--runs $(RUNS))
