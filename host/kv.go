package host

import (
	"log/slog"
	"time"

	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/host/internal/kv"
)

// newKVStores returns the stores of cfg's [kv] and [server] data_dir.
// Nothing is opened until a site's guest first calls a kv_* function,
// so a host whose plugins keep nothing creates no file and needs no
// NATS.
func newKVStores(cfg config.Config, log *slog.Logger) *kv.Stores {
	k := cfg.KV.WithDefaults()
	dir := cfg.Server.DataDir
	if dir == "" {
		dir = config.DefaultDataDir()
	}
	return kv.NewStores(kv.Config{Backend: k.Backend, Dir: dir, NATS: kv.NATSConfig{URL: k.URL, Timeout: 2 * time.Second},
		OnOpenError: func(site string, err error) {
			log.Error("host: a site's key-value store does not open; its kv_* calls answer ERR_UNAVAILABLE", "site", site, "err", err)
		}})
}

// kvLimits are a site's quotas, its defaults applied.
func kvLimits(s config.SiteKV) kv.Limits {
	return kv.Limits{MaxKeys: s.MaxKeys, MaxBytes: int64(s.MaxBytes), MaxKeyBytes: int(s.MaxKeyBytes), MaxValueBytes: int(s.MaxValueBytes)}
}
