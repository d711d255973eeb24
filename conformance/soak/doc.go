// Package soak runs a wasmweb server process for a while under a mix of
// legitimate and hostile traffic on three sites, and checks that the
// process stays alive, its memory stays bounded (and, from three minutes
// on, stops growing once warm) and every legitimate request is answered.
//
// The hostile mix: clients that hang up while their long polls are
// resumed, sign-in attempts pipelined behind long polls, half-closed
// posts, slowloris connections, guests that loop, recurse, grow their
// memory, or abuse WASI and the log, and long polls whose guests trap,
// fail, wake themselves or wait twice. The legitimate mix, on a site of
// its own: page requests, chat long polls and posts, and sign-ins.
//
// `make test` runs it briefly; `make soak` runs it for ten minutes
// (SOAKTIME sets another duration):
//
//	go test -count=1 -run TestSoak -v ./conformance/soak -soak=10m -timeout=30m
package soak
