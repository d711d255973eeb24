# wasmweb: one place for the commands that build and check the project.

GO        ?= go
FUZZTIME  ?=
SOAKTIME  ?= 10m
PKGS      := ./...

.PHONY: all build test fuzz soak check vet fmt tidy bench clean

all: build

## build: compile the wasmweb binary into ./wasmweb
build:
	$(GO) build -o wasmweb ./cmd/wasmweb

## test: the whole test suite with the race detector, the bench module's
## own tests (its peers and guests), then a short fuzz run
test:
	$(GO) test -race -count=1 $(PKGS)
	cd bench && $(GO) vet ./... && $(GO) test -count=1 ./...
	$(MAKE) fuzz

## fuzz: run each fuzzer (HTTP framing, the module instrumenter, the
## template escapers, guests' Set-Cookie headers) for a fixed number of
## inputs, about 20 s each on a 2-core machine; FUZZTIME=30m runs each for
## that long instead. A count has no wall-clock deadline, at which Go
## 1.26's fuzzer can report a spurious failure (golang/go#75804).
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzFraming -fuzztime=$(or $(FUZZTIME),400000x) ./netloop
	$(GO) test -run='^$$' -fuzz=FuzzInstrument -fuzztime=$(or $(FUZZTIME),500000x) ./host/interrupt
	$(GO) test -run='^$$' -fuzz=FuzzEscapers -fuzztime=$(or $(FUZZTIME),80000x) ./host/templates
	$(GO) test -run='^$$' -fuzz=FuzzCheckHeader -fuzztime=$(or $(FUZZTIME),500000x) ./internal/cookie

## soak: a wasmweb process under legitimate and hostile traffic on three
## sites for SOAKTIME (make test runs it for 20 s): alive, memory bounded
## (growth is judged from 3 minutes on), every legitimate request answered
soak:
	$(GO) test -count=1 -run TestSoak -v ./conformance/soak -soak=$(SOAKTIME) -timeout=3h

## check: vet, formatting, go.mod tidiness and the tests; fails on a dirty tree
check: vet fmt tidy test
	@test -z "$$(git status --porcelain)" || { echo "check: the work tree is dirty:"; git status --short; exit 1; }

vet:
	$(GO) vet $(PKGS)

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); test -z "$$out" || { echo "gofmt would change:"; echo "$$out"; exit 1; }

tidy:
	@for m in . bench; do \
		cp $$m/go.mod /tmp/wasmweb.go.mod.bak; cp $$m/go.sum /tmp/wasmweb.go.sum.bak; \
		(cd $$m && $(GO) mod tidy) || exit 1; \
		if ! git diff --quiet -- $$m/go.mod $$m/go.sum; then \
			echo "go mod tidy changes $$m/go.mod or $$m/go.sum:"; git diff -- $$m/go.mod $$m/go.sum; \
			cp /tmp/wasmweb.go.mod.bak $$m/go.mod; cp /tmp/wasmweb.go.sum.bak $$m/go.sum; exit 1; \
		fi; \
	done

## bench: side-by-side benchmarks against peers (see bench/README.md)
bench:
	bash bench/run.sh

clean:
	rm -f wasmweb
