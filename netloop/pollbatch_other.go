//go:build darwin && (amd64 || arm64)

package netloop

import "github.com/cloudwego/netpoll"

// limitPollBatch does nothing outside Linux: netpoll's kqueue poller
// is not the epoll one whose batches pollbatch_linux.go limits.
func limitPollBatch(netpoll.Connection) {}
