package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
)

const reloadUsage = `Usage: wasmweb reload [--admin ADDR] [--token TOKEN]

Asks a running server to read its config file again and apply what
changed (POST /v1/reload on its admin address): sites added, changed and
removed, and plugins whose .wasm changed. Nothing changes when anything
in it is wrong; the server's answer says why, and the exit status is 1.
kill -HUP PID does the same.

The token defaults to $` + config.AdminTokenEnv + `.
`

func reloadCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("reload", reloadUsage)
	admin := fs.String("admin", "127.0.0.1:9090", "the server's admin `address` (its --admin or [server] admin)")
	token := fs.String("token", "", "the admin `token` (default $"+config.AdminTokenEnv+")")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(fs, stderr, "unexpected argument %q", fs.Arg(0))
	}
	if *token == "" {
		*token = os.Getenv(config.AdminTokenEnv)
	}
	base := *admin
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	req, err := http.NewRequest("POST", strings.TrimSuffix(base, "/")+"/v1/reload", nil)
	if err != nil {
		return usageError(fs, stderr, "%v", err)
	}
	if *token != "" {
		req.Header.Set("Authorization", "Bearer "+*token)
	}
	c := &http.Client{Timeout: 5 * time.Minute} // a reload may build plugins
	resp, err := c.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "wasmweb reload: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error, Cause string }
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			fmt.Fprintf(stderr, "wasmweb reload: refused (%s), the server goes on with its old config: %s\n", resp.Status, e.Error)
		} else {
			fmt.Fprintf(stderr, "wasmweb reload: %s: %s\n", resp.Status, bytes.TrimSpace(body))
		}
		return 1
	}
	var a host.ReloadAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		fmt.Fprintf(stderr, "wasmweb reload: %v: %s\n", err, bytes.TrimSpace(body))
		return 1
	}
	for _, c := range a.Changes {
		if c.Plugin != "" {
			fmt.Fprintf(stdout, "site %s: plugin %s %s (generation %d)\n", c.Site, c.Plugin, c.Action, c.Generation)
		} else {
			fmt.Fprintf(stdout, "site %s: %s\n", c.Site, c.Action)
		}
	}
	for _, what := range a.Restart {
		fmt.Fprintf(stdout, "[%s] changed: it takes effect at the next start\n", what)
	}
	fmt.Fprintf(stdout, "reloaded: %d changed, %d unchanged, in %.0f ms\n", len(a.Changes), a.Unchanged, a.TookMS)
	return 0
}

// reloadOnHUP reloads h's config file at each SIGHUP until stop is
// closed, logging what changed or why nothing did (host.ReloadFile
// logs a line per change and a summary).
func reloadOnHUP(h *host.Host, log *slog.Logger, stop <-chan struct{}) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-stop:
				return
			case <-hup:
				log.Info("wasmweb: SIGHUP: reloading the config file")
				if _, err := h.ReloadFile(context.Background()); errors.Is(err, host.ErrNoConfigFile) {
					log.Error("wasmweb: SIGHUP: nothing to reload", "err", err)
				}
			}
		}
	}()
}

// configPath returns the config file serve reads: file, or the demo's.
func configPath(file string) string {
	if file == "" {
		file = demoConfig
	}
	if abs, err := filepath.Abs(file); err == nil {
		return abs
	}
	return file
}
