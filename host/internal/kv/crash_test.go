package kv_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/wasmweb/wasmweb/host/internal/kv"
)

// crashEnv names the directory the writer child of TestBoltKilled
// writes into.
const crashEnv = "WASMWEB_KV_CRASH_DIR"

// TestBoltKilled runs a child process that writes keys as fast as it
// can, from several goroutines, printing each write's key and version
// once the write has returned; it is killed with SIGKILL mid-write. The
// file must then open, pass bbolt's consistency check, and hold every
// write the child printed.
func TestBoltKilled(t *testing.T) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashWriter(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBoltKilled$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]uint64{}
	sc := bufio.NewScanner(out)
	for sc.Scan() && len(acked) < 300 {
		key, ver, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		v, _ := strconv.ParseUint(ver, 10, 64)
		acked[key] = v
	}
	cmd.Process.Signal(syscall.SIGKILL)
	// Writes acknowledged while the kill was on its way count too.
	for sc.Scan() {
		if key, ver, ok := strings.Cut(sc.Text(), " "); ok {
			v, _ := strconv.ParseUint(ver, 10, 64)
			acked[key] = v
		}
	}
	cmd.Wait()
	if len(acked) < 300 {
		t.Fatalf("the writer acknowledged %d writes before it died", len(acked))
	}

	path := dir + "/kv/site.db"
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the file does not open after SIGKILL: %v", err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatalf("the file is inconsistent after SIGKILL: %v", err)
	}
	st := kv.NewStores(kv.Config{Backend: kv.BackendBolt, Dir: dir})
	defer st.Close()
	s, err := st.Open("site", lim)
	if err != nil {
		t.Fatal(err)
	}
	for key, v := range acked {
		e, err := s.Get(key)
		if err != nil || e.Version != v || string(e.Value) != "value of "+key {
			t.Fatalf("acknowledged write %s (version %d): %q version %d, %v", key, v, e.Value, e.Version, err)
		}
	}
	t.Logf("%d acknowledged writes present", len(acked))
}

// crashWriter writes until it is killed.
func crashWriter(dir string) {
	st := kv.NewStores(kv.Config{Backend: kv.BackendBolt, Dir: dir})
	l := lim
	l.MaxKeys = 1 << 30
	l.MaxBytes = 1 << 40
	s, err := st.Open("site", l)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	lines := make(chan string, 64)
	for w := range 4 {
		go func() {
			for i := 0; ; i++ {
				key := fmt.Sprintf("w%d/%06d", w, i)
				v, err := s.Set(key, []byte("value of "+key), 0, kv.Any)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				lines <- fmt.Sprintf("%s %d", key, v)
			}
		}()
	}
	w := bufio.NewWriter(os.Stdout)
	for l := range lines {
		w.WriteString(l + "\n")
		w.Flush()
	}
}
