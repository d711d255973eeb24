package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/wasmweb/wasmweb/sdk"
)

// The guestbook's entries live in the site's key-value store, so that
// they outlive restarts of the server: each under its number, counted
// by seqKey, in a key that sorts newest first. Each new entry is also
// published to topic, for the pages that wait for news.

const (
	// seqKey counts the entries ever written; its value is the last
	// entry's number.
	seqKey = "guestbook/seq"
	// entryPrefix starts the key of every entry.
	entryPrefix = "guestbook/entries/"
)

// entryKey is the key of entry n: the digits of MaxInt64 - n, so that
// the newest entry's key comes first in the store's byte order.
func entryKey(n int64) string { return fmt.Sprintf("%s%019d", entryPrefix, math.MaxInt64-n) }

// entryNumber is the number of the entry stored under key.
func entryNumber(key string) (int64, bool) {
	d, err := strconv.ParseInt(strings.TrimPrefix(key, entryPrefix), 10, 64)
	if err != nil || d < 0 {
		return 0, false
	}
	return math.MaxInt64 - d, true
}

// addEntry stores e as the next entry, then publishes it to topic. The
// entry is kept once stored: a publish that fails is logged, and only
// the pages waiting for news miss it.
func addEntry(c *sdk.Context, e entry) error {
	kv := c.KV()
	n, err := kv.Incr(seqKey, 1)
	if err != nil {
		return err
	}
	e.ID = 0 // the number is the key's
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := kv.Set(entryKey(n), data, sdk.KVIfAbsent()); err != nil {
		return err
	}
	if _, err := c.Publish(topic, data); err != nil {
		c.Errorf("demo: entry %d stored, but not published: %v", n, err)
	}
	return nil
}

// newestEntries returns the newest limit entries, newest first, and how
// many were ever written.
func newestEntries(c *sdk.Context, limit int) ([]entry, int64, error) {
	kv := c.KV()
	var count int64
	switch seq, err := kv.Get(seqKey); {
	case errors.Is(err, sdk.ErrNotFound):
		return nil, 0, nil
	case err != nil:
		return nil, 0, err
	default:
		count, _ = strconv.ParseInt(string(seq.Value), 10, 64)
	}
	keys, err := kv.List(entryPrefix, "", limit)
	if err != nil {
		return nil, 0, err
	}
	entries := make([]entry, 0, len(keys))
	for _, k := range keys {
		n, ok := entryNumber(k)
		got, err := kv.Get(k)
		if errors.Is(err, sdk.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		var e entry
		if !ok || json.Unmarshal(got.Value, &e) != nil || e.User == "" || e.Text == "" {
			continue // not an entry this plugin wrote
		}
		e.ID = n
		entries = append(entries, e)
	}
	return entries, count, nil
}
