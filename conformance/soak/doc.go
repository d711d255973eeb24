// Package soak runs a wasmweb server process for a while under a mix of
// legitimate and hostile traffic on two sites, and checks that the
// process stays alive, its memory stays bounded and every legitimate
// request is answered.
//
// The hostile mix: clients that hang up while their long polls are
// resumed, sign-in attempts pipelined behind long polls, half-closed
// posts, slowloris connections, and guests that loop, recurse, grow their
// memory, or abuse WASI and the log. The legitimate mix: page requests,
// chat long polls and posts, and sign-ins, on the other site.
//
// `make test` runs it briefly; `make soak` runs it for ten minutes
// (SOAKTIME sets another duration):
//
//	go test -count=1 -run TestSoak -v ./conformance/soak -soak=10m -timeout=30m
package soak
