# Makefile: thin. Every command target calls an npm script or the kit CLI.
# The file targets below only make a fresh clone bootstrap itself: npm ci,
# then the native build of each tree, each redone only when its inputs change.

SHELL := /bin/bash
.DEFAULT_GOAL := help

DEPS := node_modules/.package-lock.json
FRAME := native/fdlab.h native/common.gypi $(wildcard native/frame/*)
SOLUTIONS_ADDON := native/trees/solutions/build/Release/fdlab_solutions.node
LABS_ADDON := native/trees/labs/build/Release/fdlab_labs.node

$(DEPS): package.json package-lock.json
	npm ci
	@touch $@

$(SOLUTIONS_ADDON): $(DEPS) $(FRAME) native/trees/solutions/binding.gyp $(wildcard solutions/*/*.cc)
	npm run --silent build:solutions

$(LABS_ADDON): $(DEPS) $(FRAME) native/trees/labs/binding.gyp $(wildcard labs/*/*.cc)
	npm run --silent build:labs

.PHONY: help setup build demo test
KIT := node --import tsx kit/cli.ts

help: ## list the commands
	@grep -E '^[a-z%-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/; s/%/N/' | expand -t 16

setup: $(DEPS) ## install and build everything (what CI and the devcontainer run)
	@$(MAKE) --no-print-directory build

build: $(SOLUTIONS_ADDON) ## build both trees' addons (a labs compile error is reported, not fatal)
	@$(MAKE) --no-print-directory $(LABS_ADDON) || echo "fdlab: the labs tree does not compile; the solutions tree is built."

demo: $(SOLUTIONS_ADDON) ## the complete demo, from solutions/
	npm run --silent demo

lab-%: $(DEPS) ## check your lab N (builds the labs tree if needed)
	@$(KIT) lab $*

solution-%: $(DEPS) ## check lab N against solutions/
	@$(KIT) solution $*

hint-%: $(DEPS) ## the next hint for lab N (LEVEL=k re-reads level k)
	@$(KIT) hint $* $(LEVEL)

test: build ## the kit's own test suite: type-check, then every test
	npm run --silent typecheck
	npm test
