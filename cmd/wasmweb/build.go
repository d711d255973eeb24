package main

import (
	"context"
	"fmt"
	"io"

	"github.com/wasmweb/wasmweb/cmd/wasmweb/build"
)

const buildUsage = `Usage: wasmweb build DIR...

Compiles the Go plugin in each DIR to DIR/<name>.wasm with
GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared, showing the
compiler's output. wasmweb serve does this by itself for plugins whose
.wasm is missing or older than their sources.
`

func buildCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprint(stderr, buildUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, dir := range args {
		if _, err := build.Build(context.Background(), dir, stdout); err != nil {
			fmt.Fprintf(stderr, "wasmweb: %v\n", err)
			return 1
		}
	}
	return 0
}
