# wasmweb: one place for the commands that build and check the project.

GO        ?= go
FUZZTIME  ?=
SOAKTIME  ?= 10m
PKGS      := ./...
# The Go modules of this repository: the server's (.), the three it shares
# with plugins (abi, internal, sdk), and the benchmarks'. Each is vetted,
# tested and checked for tidiness from its own directory.
MODULES   := . abi internal sdk bench

.PHONY: all build test fuzz soak check vet fmt tidy bench clean

all: build

## build: compile the wasmweb command into ./bin/wasmweb
build:
	$(GO) build -o bin/wasmweb ./cmd/wasmweb

# testsummary shows go test -json's events as go test shows its output,
# and records the skipped tests, which make test lists at its end.
TESTSUMMARY := $(CURDIR)/bin/testsummary
SKIPPED     := $(CURDIR)/bin/skipped-tests.jsonl
GOTEST      := $(TESTSUMMARY) -skips $(SKIPPED) -- $(GO) test -json

## test: the whole test suite with the race detector: the server's
## module, then each other module vetted and tested (abi, internal, sdk,
## and bench: its peers and guests), then a short fuzz run; it ends with
## the list of the tests that skipped, and why
test:
	@mkdir -p bin && $(GO) build -o $(TESTSUMMARY) ./tools/testsummary && rm -f $(SKIPPED)
	$(GOTEST) -race -count=1 -timeout=30m $(PKGS)
	@echo "== RSS after 100 plugin swaps, without the race detector (which inflates memory)"
	$(GO) test -count=1 -run '^TestSwapMemoryReturns$$' -v ./host/
	@for m in $(filter-out .,$(MODULES)); do \
		echo "== module $$m"; \
		(cd $$m && $(GO) vet ./... && $(GOTEST) -race -count=1 -timeout=30m ./...) || exit 1; \
	done
	$(MAKE) fuzz
	@echo; $(TESTSUMMARY) -report $(SKIPPED)

## fuzz: run each fuzzer (HTTP framing, the module instrumenter and its
## snapshot preparation, the template escapers, guests' Set-Cookie
## headers, the config file's rewrite for ?persist=1, the sign-in's
## same-site next) for a fixed number of inputs, about 20 s each on a
## 2-core machine; FUZZTIME=30m runs each for that long instead. A count
## has no wall-clock deadline, at which Go
## 1.26's fuzzer can report a spurious failure (golang/go#75804).
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzFraming -fuzztime=$(or $(FUZZTIME),400000x) ./netloop
	$(GO) test -run='^$$' -fuzz=FuzzInstrument -fuzztime=$(or $(FUZZTIME),500000x) ./host/interrupt
	$(GO) test -run='^$$' -fuzz=FuzzPrepareSnapshot -fuzztime=$(or $(FUZZTIME),200000x) ./host/interrupt
	$(GO) test -run='^$$' -fuzz=FuzzEscapers -fuzztime=$(or $(FUZZTIME),80000x) ./host/templates
	$(GO) test -run='^$$' -fuzz=FuzzRewriteSite -fuzztime=$(or $(FUZZTIME),40000x) ./host/config
	cd internal && $(GO) test -run='^$$' -fuzz=FuzzCheckHeader -fuzztime=$(or $(FUZZTIME),500000x) ./cookie
	$(GO) test -run='^$$' -fuzz=FuzzParseRule -fuzztime=$(or $(FUZZTIME),80000x) ./host/internal/outbound
	$(GO) test -run='^$$' -fuzz=FuzzParseHeader -fuzztime=$(or $(FUZZTIME),200000x) ./host/internal/outbound
	cd internal && $(GO) test -run='^$$' -fuzz=FuzzSafe -fuzztime=$(or $(FUZZTIME),200000x) ./localpath

## soak: a wasmweb process under legitimate and hostile traffic on three
## sites for SOAKTIME (make test runs it for 20 s): alive, memory bounded
## (growth is judged from 3 minutes on), every legitimate request answered
soak:
	$(GO) test -count=1 -run TestSoak -v ./conformance/soak -soak=$(SOAKTIME) -timeout=3h

## check: vet, formatting, go.mod tidiness and the tests; fails on a dirty tree
check: vet fmt tidy test
	@test -z "$$(git status --porcelain)" || { echo "check: the work tree is dirty:"; git status --short; exit 1; }

## vet: go vet in every module, and the SDK's Wasm side for wasip1; the
## server's own module also for darwin and windows (the std transport)
vet:
	@for m in $(MODULES); do \
		(cd $$m && $(GO) vet ./...) || exit 1; \
	done
	cd sdk && GOOS=wasip1 GOARCH=wasm $(GO) vet ./...
	GOOS=darwin $(GO) vet ./...
	GOOS=windows $(GO) vet ./...

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); test -z "$$out" || { echo "gofmt would change:"; echo "$$out"; exit 1; }

## tidy: fails if go mod tidy would change any module's go.mod or go.sum
## (an absent go.sum, as the SDK's modules have, counts as empty)
tidy:
	@for m in $(MODULES); do \
		bak=$$(mktemp -d) || exit 1; cp $$m/go.mod $$bak/; \
		if [ -f $$m/go.sum ]; then cp $$m/go.sum $$bak/; fi; \
		(cd $$m && $(GO) mod tidy) || { rm -rf $$bak; exit 1; }; \
		for f in go.mod go.sum; do \
			if { [ -f $$bak/$$f ] || [ -f $$m/$$f ]; } && ! diff -uN $$bak/$$f $$m/$$f; then \
				echo "go mod tidy changes $$m/$$f (above)"; \
				cp $$bak/go.mod $$m/go.mod; \
				if [ -f $$bak/go.sum ]; then cp $$bak/go.sum $$m/go.sum; else rm -f $$m/go.sum; fi; \
				rm -rf $$bak; exit 1; \
			fi; \
		done; \
		rm -rf $$bak; \
	done

## bench: side-by-side benchmarks against peers (see bench/README.md)
bench:
	bash bench/run.sh

clean:
	rm -rf bin
