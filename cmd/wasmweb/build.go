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
compiler's output, its file names relative to the working directory.
wasmweb serve does this by itself for plugins whose .wasm is missing or
older than their sources.
`

func buildCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("build", buildUsage)
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() == 0 {
		return usageError(fs, stderr, "no plugin directory")
	}
	for _, dir := range fs.Args() {
		if _, err := build.Build(context.Background(), dir, stdout); err != nil {
			fmt.Fprintf(stderr, "wasmweb: %v\n", err)
			return 1
		}
	}
	return 0
}
