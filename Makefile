# patternlab: runnable, tested, benchmarked distributed-systems patterns in Go.
# `make` alone lists the targets. Module lists come from go.work.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Versions of the servers built from the Go module proxy and cached outside the
# checkout (PATTERNLAB_CACHE, default ~/.cache/patternlab), keyed by version.
TEMPORAL_CLI_VERSION := v1.5.1
KUBE_VERSION         := v1.37.2
ETCD_VERSION         := v3.7.3
NATSCLI_VERSION      := v0.5.0
GOLANGCI_LINT        := github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
WORKFLOWCHECK        := go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0
# go test with a summary and the whole output of every failed test, never cut
GOTESTSUM            := go run gotest.tools/gotestsum@v1.13.0 --format pkgname-and-test-fails --format-hide-empty-pkg
export TEMPORAL_CLI_VERSION KUBE_VERSION ETCD_VERSION NATSCLI_VERSION

# testcontainers-go on these machines: no reaper image can be pulled, and the
# host looks like a container to it.
export TESTCONTAINERS_RYUK_DISABLED ?= true
export TESTCONTAINERS_HOST_OVERRIDE ?= localhost
export DOCKER_BUILDKIT ?= 0

RACE    ?= -race
# extra go test flags; CI passes -count=1 so the test cache never replays a pass
TESTFLAGS ?=
# where make test and test-integration keep the JSON of their last run
TESTLOGS  ?= $(or $(TMPDIR),/tmp)/patternlab-tests
P       ?=
ARGS    ?=
# make demo's runner, build logs and demo binaries (tools/internal/demorun uses the same place)
DEMO_LOGS = $(or $(TMPDIR),/tmp)/patternlab-demo
MODULES  = $(patsubst $(CURDIR)/%,%,$(shell go list -m -f '{{.Dir}}'))
PKGS     = $(addprefix ./,$(addsuffix /...,$(MODULES)))
# what the demo modules need beyond Go (pattern.yaml `needs:`), built once
SERVERS  = eval "$$(tools/servers/env.sh $$(go run ./tools demos))"
MERMAID  = node_modules/mermaid/dist/mermaid.min.js
# uPlot (npm) is copied beside the lab's page, which the tools binary embeds
LAB_VENDOR = tools/internal/lab/ui/vendor
LAB_UPLOT  = cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css $(LAB_VENDOR)/
# languages/ runs its Java and Rust tests inside go test; say so when they will skip
TOOLCHAINS = for t in javac java cargo; do command -v $$t >/dev/null || [ -x "$$HOME/.cargo/bin/$$t" ] || \
  echo ">> $$t not found: the Java and Rust tests of languages/ are skipped (PATTERNLAB_CI=1 makes that a failure)"; done

.PHONY: help demo doctor test test-integration flake-hunt bench bench-quick bench-check check docs docs-serve lint lint-workflows new-pattern ci \
        temporal-cli natscli envtest dockerd npm site-test translations-refresh languages quiz lab record lab-test fuzz

help: ## list the targets
	@echo "patternlab: make <target>"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

demo: ## run every demo (ready ones first, then build missing servers, then the rest; P=<name> for one, ARGS='-flag=v')
	@export PATTERNLAB_DEMO_START=$$(date +%s); mkdir -p $(DEMO_LOGS)/bin; \
	test -x $(DEMO_LOGS)/bin/rundemos || echo ">> building the demo runner (go's output in $(DEMO_LOGS)/rundemos-build.log)"; \
	go build -o $(DEMO_LOGS)/bin/rundemos ./tools/cmd/rundemos 2> $(DEMO_LOGS)/rundemos-build.log || { cat $(DEMO_LOGS)/rundemos-build.log; exit 1; }; \
	$(DEMO_LOGS)/bin/rundemos $(P) -- $(ARGS)

doctor: ## what is present and missing on this machine, and the command that gets each
	@go run ./tools doctor

test: ## go test -race in every module, P=<name> for one (embedded servers only; RACE= without a C compiler; TESTFLAGS=-count=1; Java and Rust tests included)
	@$(TOOLCHAINS); $(SERVERS); mkdir -p $(TESTLOGS); \
	pkgs="$(PKGS)"; if [ -d "$(P)" ]; then pkgs="./$(P)/..."; elif [ -n "$(P)" ]; then pkgs="./$$(go run ./tools demos $(P))/..."; fi; \
	$(GOTESTSUM) --jsonfile $(TESTLOGS)/test.json -- $(RACE) $(TESTFLAGS) $$pkgs

languages: ## build and run the Java and Rust demos of languages/ (P=<pattern>, ARGS='-flag=v')
	@go run ./languages/cmd/demo $(P) -- $(ARGS)

# The integration tier runs two packages at a time; go test starts them in the
# order given, so the longest go first and the rest run beside them (a cold CI
# run: operator 5 min, manufacturing 2.6 min, the other ten 9 min together;
# operator listed in go.work's order started 5.5 min in and ran alone at the end).
INTEGRATION_FIRST = patterns/operator industries/manufacturing
INTEGRATION_PKGS  = $(addprefix ./,$(addsuffix /...,$(INTEGRATION_FIRST) $(filter-out $(INTEGRATION_FIRST),$(MODULES))))

test-integration: ## tests with real servers in processes and containers (tag integration; starts nothing: see dockerd)
	@$(SERVERS); mkdir -p $(TESTLOGS); \
	$(GOTESTSUM) --jsonfile $(TESTLOGS)/test-integration.json -- -tags integration -count=1 -run Integration -timeout 30m $(INTEGRATION_PKGS)

# how long make fuzz runs each target
FUZZTIME ?= 30s

fuzz: ## run every Fuzz target for FUZZTIME each (default 30s), one at a time, one build per package (P=<name> for one module); a crash fails and leaves its input in testdata/fuzz
	@go run ./tools fuzz -time $(FUZZTIME) $(P)

flake-hunt: ## run tests N times beside a CPU-bound process, count failures per test (P=<name>, N=20, TIER=unit|integration)
	@$(SERVERS); go run ./tools flake-hunt -n $(or $(N),$(if $(filter integration,$(TIER)),5,20)) -tier $(or $(TIER),unit) $(P)

# the NATS CLI, whose `nats bench` is the anchor of the NATS benchmarks (built once, ~3 min cold)
NATSCLI = NATS_CLI="$$(tools/servers/natscli.sh)"; export NATS_CLI

bench: ## benchmarks and their anchors into benchmarks/results/, -count 6 unless pattern.yaml says fewer (P=<name> for one; BENCHFLAGS=-benchtime=2s)
	@$(SERVERS); $(NATSCLI); go run ./tools bench $(P)

bench-quick: ## every benchmark and anchor once with a short benchtime (scratch results, for CI; P=<name> for one; BENCHTIME=100ms)
	@$(SERVERS); $(NATSCLI); go run ./tools bench -quick $(if $(BENCHTIME),-benchtime $(BENCHTIME)) $(P)

bench-check: ## three rounds of the benchmarks with anchors, then fail when a ratio's median is more than 25% beyond the worst committed round (P=<name>)
	@$(SERVERS); $(NATSCLI); go run ./tools bench -check $(P)

check: npm ## contract, chapter template, metadata, every Mermaid block parsed in Chromium, then the docs build
	@go run ./tools check
	@$(MAKE) --no-print-directory docs

docs: npm ## build the site into site/ (English) and site/zh/ (Chinese) with mkdocs --strict
	@mkdir -p docs/assets/vendor && cp $(MERMAID) docs/assets/vendor/
	@mkdocs build --strict --quiet
	@mkdocs build --strict --quiet -f mkdocs.zh.yml
	@echo ">> site built in site/ (English) and site/zh/ (Chinese)"

site-test: ## load every nav page of the built site (both languages) in Chromium from 127.0.0.1 (after make docs)
	@go run ./tools site-test

translations-refresh: ## after reviewing a Chinese page against its source's change: FILE=docs-zh/<page>.md (several: FILE="a b")
	@test -n "$(FILE)" || { echo "usage: make translations-refresh FILE=docs-zh/patterns/saga.md"; exit 2; }
	@go run ./tools translations refresh $(FILE)

docs-serve: npm ## serve the docs with live reload on http://127.0.0.1:8000
	@mkdir -p docs/assets/vendor && cp $(MERMAID) docs/assets/vendor/
	mkdocs serve -a 127.0.0.1:8000

lint: ## golangci-lint in every module (first run builds it)
	@for m in $(MODULES); do echo ">> lint $$m"; (cd $$m && go run $(GOLANGCI_LINT) run ./...); done

lint-workflows: ## Temporal's workflowcheck on every package that defines workflows (imports go.temporal.io/sdk/workflow)
	@pkgs="$$(go list -f '{{.ImportPath}} {{join .Imports " "}}' $(PKGS) | awk '{for (i = 2; i <= NF; i++) if ($$i == "go.temporal.io/sdk/workflow") print $$1}')"; \
	test -n "$$pkgs" || { echo "lint-workflows: no package imports go.temporal.io/sdk/workflow"; exit 1; }; \
	echo ">> workflowcheck $$(echo $$pkgs | tr '\n' ' ')"; \
	go run $(WORKFLOWCHECK) -show-pos $$pkgs && echo ">> every workflow is deterministic as far as workflowcheck can tell"

new-pattern: ## scaffold patterns/NAME (module, diagrams, chapter, go.work, nav) that passes check
	@test -n "$(NAME)" || { echo "usage: make new-pattern NAME=circuit-breaker"; exit 2; }
	@go run ./tools new-pattern $(NAME)

quiz: ## the interview bank in the terminal (PATTERN=saga LEVEL=advanced N=10 QUIZ_LANG=zh)
	@go run ./tools quiz -pattern "$(PATTERN)" -level "$(LEVEL)" -n "$(or $(N),10)" -lang "$(or $(QUIZ_LANG),en)"

lab: npm ## the demos live in the browser at http://127.0.0.1:8280: flags, fault buttons, sequence diagram, charts, verdict, replayable history (LAB_ADDR=127.0.0.1:PORT)
	@mkdir -p $(LAB_VENDOR) && $(LAB_UPLOT)
	@go run ./tools lab -addr $(or $(LAB_ADDR),127.0.0.1:8280)

record: ## refresh the recorded runs the chapters show, docs/assets/runs/*.jsonl (P=<name> for one, ARGS='-flag=v'; without, the flags each was recorded with)
	@go run ./tools lab record $(or $(P),-all) $(if $(ARGS),-- $(ARGS))

lab-test: npm ## the lab in headless Chromium: backpressure's crash consumer, a Temporal demo's kill worker, bad input
	@mkdir -p $(LAB_VENDOR) && $(LAB_UPLOT)
	@eval "$$(tools/servers/env.sh patterns/saga)"; \
	$(GOTESTSUM) -- -tags labbrowser -count=1 -timeout 20m -run Browser ./tools/internal/lab/

ci: ## what CI runs (.ci/run): install, start engines, test, check, docs, integration
	@.ci/run

natscli: ## build the NATS CLI (its nats bench is an anchor of make bench) once into the cache (~3 min cold)
	@tools/servers/natscli.sh

temporal-cli: ## build the Temporal CLI (dev server) once into the cache (~5 min cold)
	@tools/servers/temporal.sh

envtest: ## build kube-apiserver and etcd for envtest once into the cache (~13 min cold)
	@tools/servers/envtest.sh

dockerd: ## start a Docker engine for test-integration if none answers (root, docker.io)
	@tools/servers/dockerd.sh >/dev/null

npm: $(MERMAID)
$(MERMAID): package-lock.json
	@npm ci --no-audit --no-fund --silent
	@touch $@
