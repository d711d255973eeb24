package guest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// call runs route on in and returns the six bytes snapstate writes, and
// the whole memory after the call.
func call(t *testing.T, in *Instance, route int32) (string, []byte) {
	t.Helper()
	if _, err := in.Handle(route, 0); err != nil {
		t.Fatal(err)
	}
	mem := in.mod.Memory()
	out, _ := mem.Read(100, 6)
	all, _ := mem.Read(0, mem.Size())
	return string(out), bytes.Clone(all)
}

// waitBare waits for p's module without data segments to be compiled,
// once a snapshot with an image has started it, and reports whether it
// was (false where images are not supported).
func waitBare(t *testing.T, p *Plugin) bool {
	t.Helper()
	p.mod.startBare(p.rt.rt)
	select {
	case <-p.mod.bareDone:
	case <-time.After(time.Minute):
		t.Fatal("the module without data segments is not compiled after a minute")
	}
	return p.mod.bare != nil
}

// noBare makes p's module keep instantiating the module itself for
// snapshot-made instances, as before its copy without data is compiled
// (or where it cannot be).
func noBare(p *Plugin) {
	p.mod.bareOnce.Do(func() { close(p.mod.bareDone) })
	<-p.mod.bareDone
	if p.mod.bare != nil {
		p.mod.bare.Close(context.Background())
	}
	p.mod.bare, p.mod.bareErr = nil, errors.New("turned off by the test")
}

// TestSnapshotInstanceIsLikeInitialized makes an instance from the
// snapshot and compares it, after a call, with an instance initialized
// as usual: the same answer, the same memory to the byte, with and
// without the deadline's instrumentation, whether the instance's
// memory is the snapshot's image mapped or a copy.
func TestSnapshotInstanceIsLikeInitialized(t *testing.T) {
	for _, timeout := range []time.Duration{0, time.Second} {
		for _, way := range []string{"image", "copy"} {
			t.Run("call_timeout="+timeout.String()+"/"+way, func(t *testing.T) {
				e := tenantEngine(t)
				rt := tenantRuntime(t, e, 1<<20)
				wasm := readGuest(t, "testdata/snapstate.wasm")
				cfg := testConfig("state")
				cfg.WarmInstances, cfg.CallTimeout = 0, timeout
				p := loadTenant(t, rt, wasm, cfg)
				if way == "copy" {
					noBare(p)
				}
				first, err := p.Get() // initialized, and the snapshot taken from it
				if err != nil {
					t.Fatal(err)
				}
				if way == "image" && !waitBare(t, p) {
					t.Skip("SKIPPED: no snapshot images on this platform")
				}
				second, err := p.Get() // made from the snapshot
				if err != nil {
					t.Fatal(err)
				}
				if in := p.Info(); in.Made != 2 || in.FromSnapshot != 1 || in.NoSnapshot != "" {
					t.Fatalf("two instances: made %d, from the snapshot %d (%q); want 2, 1", in.Made, in.FromSnapshot, in.NoSnapshot)
				}
				if way == "image" {
					// Made from the image: nothing was copied into its
					// memory (neither the data segment nor the snapshot).
					if !second.bare || !second.image.Mapped() {
						t.Fatalf("the snapshot's instance: without data %v, mapped %v; want both", second.bare, second.image.Mapped())
					}
					if n := second.image.Written(); n != 0 {
						t.Errorf("a new instance made from the image has %d pages written, want 0", n)
					}
					if in := p.Info(); in.FromImage != 1 || in.NoImage != "" {
						t.Errorf("info: %d from the image (%q), want 1", in.FromImage, in.NoImage)
					}
				} else if second.bare || second.image != nil {
					t.Fatalf("instantiated from the module without data, or mapped, before it was compiled")
				} else if in := p.Info(); in.FromImage != 0 || !strings.Contains(in.NoImage, "turned off by the test") {
					t.Errorf("info: %d from the image, why not %q", in.FromImage, in.NoImage)
				}
				got1, mem1 := call(t, first, 0)
				got2, mem2 := call(t, second, 0)
				// g=7, byte 70000 = 5, byte 200 = 3, one call, byte 300 = 1,
				// two pages.
				if got1 != "753112" || got2 != "753112" {
					t.Errorf("first call on the initialized instance %q, on the snapshot's %q; want 753112", got1, got2)
				}
				if !bytes.Equal(mem1, mem2) {
					t.Errorf("after a call, the snapshot's instance's memory (%d bytes) differs from the initialized one's (%d)", len(mem2), len(mem1))
				}
				if way == "image" {
					if n := second.image.Written(); n != 1 {
						t.Errorf("a call writing one page: %d pages written, want 1", n)
					}
				}
				// Off: initialized every time, the same again.
				cfg.NoSnapshots = true
				off := loadTenant(t, rt, wasm, cfg)
				in, err := off.Get()
				if err != nil {
					t.Fatal(err)
				}
				got3, mem3 := call(t, in, 0)
				if got3 != got1 || !bytes.Equal(mem3, mem1) {
					t.Errorf("with snapshots off: %q and a memory that differs: %v", got3, !bytes.Equal(mem3, mem1))
				}
				if info := off.Info(); info.FromSnapshot != 0 || info.NoSnapshot != "snapshots are off" {
					t.Errorf("snapshots off: %d from a snapshot, %q", info.FromSnapshot, info.NoSnapshot)
				}
				off.Put(in, false)
				p.Put(first, false)
				p.Put(second, false)
			})
		}
	}
}

// TestSnapshotImageClosed: a snapshot whose image can no longer be
// mapped still makes instances of the module without data, whose memory
// is then given the whole image.
func TestSnapshotImageClosed(t *testing.T) {
	e := tenantEngine(t)
	rt := tenantRuntime(t, e, 1<<20)
	cfg := testConfig("state")
	cfg.WarmInstances = 0
	p := loadTenant(t, rt, readGuest(t, "testdata/snapstate.wasm"), cfg)
	first, err := p.Get()
	if err != nil {
		t.Fatal(err)
	}
	if !waitBare(t, p) {
		t.Skip("SKIPPED: no snapshot images on this platform")
	}
	first.snap.img.Close()
	second, err := p.Get()
	if err != nil {
		t.Fatal(err)
	}
	if !second.bare || second.image.Mapped() {
		t.Fatalf("after the image closed: without data %v, mapped %v; want true, false", second.bare, second.image.Mapped())
	}
	got1, mem1 := call(t, first, 0)
	got2, mem2 := call(t, second, 0)
	if got1 != "753112" || got2 != got1 || !bytes.Equal(mem1, mem2) {
		t.Errorf("initialized %q, from the closed image %q, memories equal %v", got1, got2, bytes.Equal(mem1, mem2))
	}
	p.Put(first, false)
	p.Put(second, false)
}

// TestSnapshotSharedAcrossSites: another site's plugin of the same
// module makes its first instance from the snapshot the first site
// took, and asks the guest nothing at load.
func TestSnapshotSharedAcrossSites(t *testing.T) {
	e := tenantEngine(t)
	wasm := readGuest(t, "testdata/snapstate.wasm")
	cfg := testConfig("state")
	cfg.WarmInstances = 1
	loadTenant(t, tenantRuntime(t, e, 1<<20), wasm, cfg)
	cfg.Site = "other"
	p := loadTenant(t, tenantRuntime(t, e, 1<<20), wasm, cfg)
	if in := p.Info(); in.Made != 1 || in.FromSnapshot != 1 {
		t.Errorf("the second site's warm instance: made %d, from the snapshot %d; want 1, 1", in.Made, in.FromSnapshot)
	}
}

// TestSnapshotUnsafe: modules whose initialization a memory image
// cannot reproduce are initialized every time, and say why.
func TestSnapshotUnsafe(t *testing.T) {
	for _, tc := range []struct{ guest, why string }{
		{"snaphostcall", "its initialization calls log"},
		{"snaptable", "changes a table"},
		{"snapbig", "more than a snapshot copies"},
	} {
		t.Run(tc.guest, func(t *testing.T) {
			e := tenantEngine(t)
			cfg := testConfig(tc.guest)
			cfg.WarmInstances = 0
			p := loadTenant(t, tenantRuntime(t, e, 128<<20), readGuest(t, "testdata/"+tc.guest+".wasm"), cfg)
			var ins []*Instance
			for i := 0; i < 3; i++ {
				in, err := p.Get()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := in.Handle(0, 0); err != nil {
					t.Fatal(err)
				}
				ins = append(ins, in)
			}
			for _, in := range ins {
				p.Put(in, false)
			}
			info := p.Info()
			if info.Made != 3 || info.FromSnapshot != 0 || !strings.Contains(info.NoSnapshot, tc.why) {
				t.Errorf("made %d, from a snapshot %d, why not %q; want 3, 0, %q", info.Made, info.FromSnapshot, info.NoSnapshot, tc.why)
			}
		})
	}
}

// TestIsolationRequest: with per-request isolation a call does not see
// what the one before left in the instance's globals or memory, and an
// instance whose memory grew is replaced; without it, it does.
func TestIsolationRequest(t *testing.T) {
	e := tenantEngine(t)
	rt := tenantRuntime(t, e, 1<<20)
	wasm := readGuest(t, "testdata/snapstate.wasm")
	serve := func(p *Plugin, route int32) string {
		in, err := p.Get()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := call(t, in, route)
		p.Put(in, false)
		return got
	}
	cfg := testConfig("state")
	cfg.Instances, cfg.WarmInstances = 1, 1
	pooled := loadTenant(t, rt, wasm, cfg)
	if a, b := serve(pooled, 0), serve(pooled, 0); a != "753112" || b != "753222" {
		t.Fatalf("pooled: %q then %q; want 753112 then 753222 (the second call sees the first's)", a, b)
	}
	waitBare(t, pooled) // the isolated instances are mapped from the image
	cfg.Isolation = IsolateRequest
	cfg.Site = "isolated"
	p := loadTenant(t, rt, wasm, cfg)
	for i := 0; i < 3; i++ {
		if got := serve(p, 0); got != "753112" {
			t.Fatalf("isolated call %d: %q, want 753112 (no trace of earlier calls)", i, got)
		}
	}
	made := p.Info().Made
	if in := <-p.idle; in.image.Mapped() {
		// Reset copied back only the page the calls wrote, where a
		// copy of the whole image would have written all of them.
		if n := in.image.Written(); n != 1 {
			t.Errorf("after 3 isolated calls writing one page: %d pages written, want 1", n)
		}
		p.idle <- in
	} else if waitBare(t, pooled) {
		t.Error("the isolated instance made after the module without data was compiled is not mapped from the image")
	} else {
		p.idle <- in
	}
	if got := serve(p, 1); got != "753112" { // grows the memory
		t.Fatalf("isolated call that grows the memory: %q", got)
	}
	if got := serve(p, 0); got != "753112" {
		t.Fatalf("the call after the memory grew: %q, want 753112 (a new instance)", got)
	}
	if in := p.Info(); in.Made != made+1 || in.Idle+in.Busy != 1 {
		t.Errorf("the instance whose memory grew: %d made (want %d), %d live (want 1)", in.Made, made+1, in.Idle+in.Busy)
	}
	// Without a snapshot, isolation closes the instance after each call.
	cfg.NoSnapshots = true
	cfg.Site = "fresh"
	q := loadTenant(t, rt, wasm, cfg)
	before := q.Info().Made
	for i := 0; i < 2; i++ {
		if got := serve(q, 0); got != "753112" {
			t.Fatalf("isolated call %d without snapshots: %q", i, got)
		}
	}
	if n := q.Info().Made - before; n < 1 {
		t.Errorf("isolation without snapshots made %d new instances for 2 calls, want a new one per call", n)
	}
}

// isolatedPoolOfOne loads snapstate in a pool of one instance under
// per-request isolation.
func isolatedPoolOfOne(t *testing.T) *Plugin {
	t.Helper()
	rt := tenantRuntime(t, tenantEngine(t), 1<<20)
	cfg := testConfig("state")
	cfg.Instances, cfg.WarmInstances, cfg.Isolation = 1, 1, IsolateRequest
	return loadTenant(t, rt, readGuest(t, "testdata/snapstate.wasm"), cfg)
}

// serveFresh makes call number i of snapstate's route 0 and checks that
// it saw the snapshot's state, not an earlier call's.
func serveFresh(t *testing.T, p *Plugin, i int) {
	t.Helper()
	in, err := p.Get()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := call(t, in, 0); got != "753112" {
		t.Fatalf("call %d: %q, want 753112", i, got)
	}
	p.Put(in, false)
}

// TestIsolationRetiresCopies: under per-request isolation, an instance
// whose memory is not the snapshot's image (here the one the snapshot
// was taken from) is replaced after its call once the module without
// data is compiled, by one mapped from the image, which is then reset.
func TestIsolationRetiresCopies(t *testing.T) {
	p := isolatedPoolOfOne(t)
	if !waitBare(t, p) {
		t.Skip("SKIPPED: no snapshot images on this platform")
	}
	for i := range 4 {
		serveFresh(t, p, i)
	}
	if in := p.Info(); in.Made != 2 || in.FromImage != 1 {
		t.Errorf("4 isolated calls: %d instances made, %d from the image; want 2, 1 (the initialized one replaced once)", in.Made, in.FromImage)
	}
}

// TestIsolationStartsBare: under per-request isolation, a pool that
// never needs a second instance still gets one mapped from the image:
// the first call's reset starts compiling the module without data,
// and the initialized instance is then replaced.
func TestIsolationStartsBare(t *testing.T) {
	p := isolatedPoolOfOne(t)
	serveFresh(t, p, 0)
	if !p.mod.bareStarted.Load() {
		t.Fatalf("after an isolated call the module without data is not being compiled: %s", p.noImage())
	}
	if !waitBare(t, p) {
		t.Skip("SKIPPED: no snapshot images on this platform")
	}
	for i := 1; i < 4; i++ {
		serveFresh(t, p, i)
	}
	if in := p.Info(); in.FromImage != 1 {
		t.Errorf("4 isolated calls in a pool of one: %d instances from the image, want 1 (the initialized one replaced)", in.FromImage)
	}
}
