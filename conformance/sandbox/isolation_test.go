package sandbox_test

import (
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/host/config"
)

// secretSpec is a site whose plugins all load secret.wasm, each on
// /<plugin>, with one instance each: every request to a plugin lands on
// the same instance unless the host replaced it.
func secretSpec(name, hostname string, plugins ...string) config.Site {
	spec := config.Site{
		Name: name, Hosts: []string{hostname},
		Limits:  config.Limits{Instances: 1, WarmInstances: 1},
		Plugins: map[string]string{},
	}
	for _, p := range plugins {
		spec.Plugins[p] = wasmPath("secret")
		spec.Routes = append(spec.Routes, config.Route{Path: "/" + p, Plugin: p})
	}
	return spec
}

// readSecret reads what secret.wasm holds at its secret offset.
func readSecret(sb *sandbox, hostname, path string) string {
	sb.t.Helper()
	r := sb.get(hostname, path+"?read")
	if r.status != 200 || len(r.body) != 32 {
		sb.t.Errorf("GET %s%s?read: %d with %d bytes, want 200 with 32", hostname, path, r.status, len(r.body))
	}
	return strings.TrimRight(r.body, "\x00")
}

// TestTrappedInstanceNeverReused writes a secret into the only instance of
// a plugin, checks that the next request sees it (instances are reused),
// then writes another and traps: no later request may see either, because
// a trapped instance is discarded and replaced by a fresh one.
func TestTrappedInstanceNeverReused(t *testing.T) {
	sb := start(t, secretSpec("s", "s.test", "secret"))
	if r := sb.get("s.test", "/secret?write"); r.status != 200 || r.body != "TOP-SECRET-1" {
		t.Fatalf("write: %d %q, want 200 TOP-SECRET-1", r.status, r.body)
	}
	if got := readSecret(sb, "s.test", "/secret"); got != "TOP-SECRET-1" {
		t.Fatalf("read after write on the only instance: %q, want TOP-SECRET-1 (the control: state persists in a live instance)", got)
	}
	before := sb.metrics().sum("wasmweb_instance_creations_total", "plugin", "secret")
	if r := sb.get("s.test", "/secret?write-and-trap"); r.status != 500 {
		t.Fatalf("write-and-trap: %d, want 500", r.status)
	}
	for i := range 20 {
		if got := readSecret(sb, "s.test", "/secret"); got != "" {
			t.Fatalf("read %d after the trap: %q, want a fresh instance's zeros", i, got)
		}
	}
	if after := sb.metrics().sum("wasmweb_instance_creations_total", "plugin", "secret"); after < before+1 {
		t.Errorf("instance creations went from %v to %v across a trap, want at least one more", before, after)
	}
}

// TestSecretIsolation writes a secret through one plugin and reads the
// same offset through another plugin of the same module in the same site,
// and through the same plugin name in another site: neither may see it.
func TestSecretIsolation(t *testing.T) {
	sb := start(t,
		secretSpec("one", "one.test", "a", "b"),
		secretSpec("two", "two.test", "a"),
	)
	if r := sb.get("one.test", "/a?write"); r.status != 200 || r.body != "TOP-SECRET-1" {
		t.Fatalf("write on plugin a: %d %q, want 200 TOP-SECRET-1", r.status, r.body)
	}
	if got := readSecret(sb, "one.test", "/a"); got != "TOP-SECRET-1" {
		t.Fatalf("read on plugin a: %q, want TOP-SECRET-1 (the control)", got)
	}
	for range 5 {
		if got := readSecret(sb, "one.test", "/b"); got != "" {
			t.Errorf("plugin b of the same site sees %q written by plugin a", got)
		}
		if got := readSecret(sb, "two.test", "/a"); got != "" {
			t.Errorf("plugin a of another site sees %q written by site one", got)
		}
	}
	// Writes elsewhere do not reach a either.
	sb.get("one.test", "/b?write")
	sb.get("two.test", "/a?write")
	sb.get("two.test", "/a?write")
	if got := readSecret(sb, "one.test", "/a"); got != "TOP-SECRET-1" {
		t.Errorf("plugin a of site one reads %q after writes by b and by site two, want its own TOP-SECRET-1", got)
	}
}
