package abikit_test

import (
	"bytes"
	"testing"

	abikit "github.com/wasmweb/wasmweb/conformance/abi"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// kvSameAsSDKTest runs the kit's key-value script through wasmweb at
// base and through sdktest's KVStore with the conformance site's
// quotas, which must answer alike.
func kvSameAsSDKTest(t *testing.T, base string) {
	run := abikit.NewKVRun()
	target := abikit.KVScriptTarget(run)
	status, _, body := rawExchange(t, base, "GET "+target+" HTTP/1.1\r\nHost: cmp.test\r\nConnection: close\r\n\r\n")
	store := sdktest.NewKVStore()
	lim := sdktest.DefaultKVLimits
	lim.MaxKeyBytes, lim.MaxValueBytes = 64, 1024
	store.SetLimits(lim)
	fake := sdktest.Serve("kv", sdktest.NewRequest("GET", target).WithKV(store))
	if status != 200 || fake.Status != 200 {
		t.Fatalf("status: host %d, sdktest %d (%s)", status, fake.Status, fake.Failure)
	}
	if !bytes.Equal(body, fake.Body) {
		t.Errorf("bodies differ:\n host    %s\n sdktest %s", body, fake.Body)
	}
}
