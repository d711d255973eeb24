package sandbox_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestGuestsBuild rebuilds every guest from its .wat with wat2wasm and
// checks that the committed .wasm is what the source says.
func TestGuestsBuild(t *testing.T) {
	wat2wasm, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Skip("SKIPPED: wat2wasm (from wabt) is not on PATH, so the committed guests/*.wasm were NOT checked against their .wat sources; install wabt (apt-get install wabt) to run this check, as CI does")
	}
	wats, err := filepath.Glob(filepath.Join(guestDir, "*.wat"))
	if err != nil || len(wats) == 0 {
		t.Fatalf("no .wat files in %s (%v)", guestDir, err)
	}
	dir := t.TempDir()
	for _, wat := range wats {
		name := strings.TrimSuffix(filepath.Base(wat), ".wat")
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, name+".wasm")
			if msg, err := exec.Command(wat2wasm, wat, "-o", out).CombinedOutput(); err != nil {
				t.Fatalf("wat2wasm %s: %v\n%s", wat, err, msg)
			}
			built, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			committed, err := os.ReadFile(wasmPath(name))
			if err != nil {
				t.Fatalf("%v (run make in conformance/guests)", err)
			}
			if !bytes.Equal(built, committed) {
				t.Errorf("%s.wasm is stale: it differs from wat2wasm %s.wat (run make in conformance/guests)", name, name)
			}
		})
	}
}

// TestAbuseGenerated checks that abuse.wat is what gen_abuse.go makes of
// the current abi package, so that every host function is abused.
func TestAbuseGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and runs gen_abuse.go")
	}
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		if gobin, err = exec.LookPath("go"); err != nil {
			t.Skip("SKIPPED: no go command to run gen_abuse.go; abuse.wat was NOT checked against the abi package")
		}
	}
	cmd := exec.Command(gobin, "run", "gen_abuse.go")
	cmd.Dir = guestDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run gen_abuse.go: %v\n%s", err, stderr.Bytes())
	}
	want, err := os.ReadFile(filepath.Join(guestDir, "abuse.wat"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("abuse.wat is stale: it differs from the output of gen_abuse.go (run make in conformance/guests)")
	}
}
