package host

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"
	"unsafe"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/compress"
	"github.com/wasmweb/wasmweb/host/internal/errorpage"
	"github.com/wasmweb/wasmweb/host/internal/guest"
	"github.com/wasmweb/wasmweb/host/internal/hostfuncs"
	"github.com/wasmweb/wasmweb/host/internal/longpoll"
	"github.com/wasmweb/wasmweb/host/internal/quota"
	"github.com/wasmweb/wasmweb/host/internal/route"
	"github.com/wasmweb/wasmweb/netloop"
)

// serve routes a request within the site; now is when the server
// began serving it, the time its quotas are checked at.
func (s *Site) serve(w *netloop.Response, r *netloop.Request, now time.Time) {
	if s.static != nil && s.static.ServeHTTP(w, r) {
		return
	}
	if s.env.Auth != nil && s.env.Auth.Serve(w, r) {
		return
	}
	path := unsafeString(r.Path)
	method := unsafeString(r.Method)
	var params [4]route.Param
	allow := ""
	for _, rt := range s.routes {
		ps, ok, bad := rt.Pattern.Match(path, params[:0])
		if bad {
			errorpage.Write(w, 400, "")
			s.noRoute.Count(400)
			return
		}
		if !ok {
			continue
		}
		if rt.Methods != nil && !rt.Methods[method] {
			if allow == "" {
				allow = rt.Allow
			}
			continue
		}
		if !s.admit(w, r, rt) {
			rt.Answers.Count(w.Status())
			return
		}
		for i := range ps {
			ps[i].Value = strings.Clone(ps[i].Value) // may alias the input buffer
		}
		s.dispatch(w, r, rt, ps, now)
		rt.Answers.Count(w.Status())
		return
	}
	if allow != "" {
		errorpage.Write(w, 405, "")
		w.SetHeader("Allow", allow)
		s.noRoute.Count(405)
		return
	}
	errorpage.Write(w, 404, "")
	s.noRoute.Count(404)
}

// admit runs the checks a request to rt meets before its guest, in
// order: the guard's (XSRF, the user of an auth = "required" route),
// then the body's size. It reports whether the request may reach the
// guest; when not, it has answered it: 403, a redirect to the login
// page, or 413.
func (s *Site) admit(w *netloop.Response, r *netloop.Request, rt *route.Route) bool {
	if !s.guard.Admit(w, r, rt) {
		return false
	}
	if int64(len(r.Body)) > int64(s.limits.MaxBodyBytes) {
		errorpage.Write(w, 413, "")
		return false
	}
	return true
}

// resume answers wt, a woken waiter parked under s or under a site of
// the same name that s replaced, as s would answer its request now.
// The request meets s's checks again (the route's methods, then
// admit's): a change may have made the route auth = "required", turned
// on XSRF checks or rotated the cookie secrets that say who the user
// is, and a long poll must not reach a guest past checks it would fail
// if it came now. Then it takes an answer shared on its own route, or
// s's route for it runs its guest. Waiters of a replaced site take no
// shared answer: their route's were made by the old site's guests.
func (s *Site) resume(w *netloop.Response, r *netloop.Request, wt *longpoll.Waiter) {
	rt := wt.Route()
	cur := s.sameRoute(rt)
	if cur == nil {
		errorpage.Unavailable(w, "5")
		return
	}
	if cur.Methods != nil && !cur.Methods[unsafeString(r.Method)] {
		errorpage.Write(w, 405, "")
		w.SetHeader("Allow", cur.Allow)
		return
	}
	if !s.admit(w, r, cur) {
		return
	}
	if cur == rt && wt.AnswerShared(w, r) {
		return
	}
	s.runGuest(w, r, cur, wt.Params(), wt.TimedOut(), time.Now())
}

// dispatch runs the route's plugin on a new request that passed admit,
// unless the site's request rate is spent at now.
func (s *Site) dispatch(w *netloop.Response, r *netloop.Request, rt *route.Route, params []route.Param, now time.Time) {
	if ref, ok := s.quota.Allow(now); !ok {
		s.throttle(w, ref)
		return
	}
	s.runGuest(w, r, rt, params, false, now)
}

// throttle answers a request a quota refused: its status, Retry-After
// and a line that says which quota, after throttleHold. The request is
// parked meanwhile (it holds no goroutine), so that a client that
// ignores Retry-After and asks again at once gets a few answers a
// second on each connection, not as many as the server can write.
func (s *Site) throttle(w *netloop.Response, ref quota.Refusal) {
	answer := func(w *netloop.Response, _ *netloop.Request) {
		errorpage.Write(w, ref.Status, ref.Message())
		w.SetHeader("Retry-After", ref.RetryAfterHeader())
	}
	answer(w, nil) // the status the request is counted with
	if p := w.Park(); p != nil {
		time.AfterFunc(throttleHold, func() { p.Resume(netloop.HandlerFunc(answer)) })
	}
}

// throttleHold is how long a throttled request waits for its answer.
const throttleHold = 200 * time.Millisecond

// runGuest runs rt's guest on r: a new request, or a parked one that a
// message or, with timedOut, its deadline woke. It answers on w, or
// parks the request again. A site over its CPU budget at now is
// answered 429 without a call.
//
// The clock is read as little as a request allows (a read costs about
// 60 ns on a virtual machine, several a request): the budget is checked
// at now, and charged at the time the guest call ended.
func (s *Site) runGuest(w *netloop.Response, r *netloop.Request, rt *route.Route, params []route.Param, timedOut bool, now time.Time) {
	charge, ref, ok := s.quota.Begin(now)
	if !ok {
		s.throttle(w, ref)
		return
	}
	took, end := s.callGuest(w, r, rt, params, timedOut)
	if end.IsZero() {
		end = time.Now()
	}
	s.quota.End(charge, end, took)
}

// callGuest is runGuest past the CPU budget; it returns how long the
// guest call took and when it ended, 0 and the zero time when there was
// none.
func (s *Site) callGuest(w *netloop.Response, r *netloop.Request, rt *route.Route, params []route.Param, timedOut bool) (time.Duration, time.Time) {
	// The call holds the generation it starts on; a resumed long poll
	// gets the one current now, not the one it parked under.
	p := s.plugins[rt.Plugin].Acquire()
	defer p.Release()
	gate := p.Gate(rt.ID)
	if !gate.Enter(p.Done()) {
		// The route holds its share of the plugin's instances, or is
		// penalised: the plugin's other routes keep theirs.
		errorpage.Unavailable(w, "1")
		return 0, time.Time{}
	}
	in, err := p.Get()
	if errors.Is(err, guest.ErrSiteInstances) {
		gate.Leave()
		s.throttle(w, s.quota.Throttle(quota.Instances))
		return 0, time.Time{}
	}
	if err != nil {
		gate.Leave()
		s.log.Error("host: no instance for request", "site", s.name, "plugin", rt.Plugin, "route", rt.Pattern.String(), "err", err)
		errorpage.Unavailable(w, "1")
		return 0, time.Time{}
	}
	// The scheduler admits the call once it has an instance, so that
	// waiting for a slot holds nothing another site needs.
	wait := p.Timeout()
	if wait <= 0 {
		wait = schedWait
	}
	if ref, ok := s.quota.Enter(p.Done(), wait); !ok {
		p.Put(in, false)
		gate.Leave()
		s.throttle(w, ref)
		return 0, time.Time{}
	}
	c := in.State().(*hostfuncs.Call)
	c.Begin(&s.env, r, w, rt, params, s.reqIDs.Add(1), timedOut)
	result, err := in.Handle(rt.ID, abi.MethodNumber(unsafeString(r.Method)))
	took, end := in.Ran()
	s.quota.Leave()
	reason, rejected := c.Rejected()
	broken := false
	switch {
	case err != nil:
		broken = true
		f := in.Fail(err, 0)
		status := 500
		switch f.Kind {
		case guest.KindUnloading:
			// Stopped because the plugin is being unloaded, not for
			// running long: no kill counted, no penalty.
			status = 503
		case guest.KindDeadline:
			status = 503
			if gate.Killed(end) {
				s.log.Warn("host: route penalised for a call stopped at its deadline: one call at a time, others get 503",
					"site", s.name, "plugin", rt.Plugin, "route", rt.Pattern.String(), "for", gate.Penalty())
			}
		}
		s.logFailure(rt, c.RequestID(), f)
		c.Unpark()
		s.failResponse(w, status)
	case rejected:
		p.Failed()
		f := in.Fail(nil, result)
		f.Kind, f.Message = guest.KindRejected, reason
		if reason == hostfuncs.ReasonResponseTooLarge {
			s.capHits[capResponseBytes].Inc()
		}
		s.logFailure(rt, c.RequestID(), f)
		c.Unpark()
		s.failResponse(w, 500)
	case result == abi.StatusWait && c.Parked() != nil:
		// Parked: the waiter is filed; the connection keeps the request.
		s.env.Parking.File(c.Parked())
	case result == abi.StatusWait:
		p.Failed()
		f := in.Fail(nil, result)
		f.Kind, f.Message = guest.KindRejected, "returned STATUS_WAIT without a parked wait"
		s.logFailure(rt, c.RequestID(), f)
		s.failResponse(w, 500)
	case result != abi.StatusDone:
		broken = true // a guest that failed may have left its memory in any state
		p.Failed()
		s.logFailure(rt, c.RequestID(), in.Fail(nil, result))
		c.Unpark()
		s.failResponse(w, 500)
	default:
		c.Unpark() // answered without waiting
		compress.Gzip(w, r)
		c.Share()
	}
	c.End()
	p.Put(in, broken)
	gate.Leave()
	return took, end
}

// schedWait is how long a call without a deadline waits for a slot.
const schedWait = 30 * time.Second

// failureMessages are the messages of the records that report failed
// calls, by kind; the kind, the guest's message and the rest are the
// record's attributes (abi/ABI.md section 9).
var failureMessages = map[string]string{
	guest.KindPanic:       "host: guest panicked; instance discarded",
	guest.KindOutOfMemory: "host: guest ran out of memory; instance discarded",
	guest.KindExit:        "host: guest exited; instance discarded",
	guest.KindTrap:        "host: guest trap; instance discarded",
	guest.KindMisuse:      "host: guest misuse of the ABI; instance discarded",
	guest.KindDeadline:    "host: guest call passed its deadline; instance discarded",
	guest.KindFailed:      "host: guest handler failed; instance discarded",
	guest.KindRejected:    "host: guest response rejected",
	guest.KindUnloading:   "host: guest call stopped: the plugin is being unloaded",
}

// The attributes of a failure's record; the status page and operators'
// queries rely on them, so they do not change.
const (
	attrRequestID     = "request_id"
	attrSite          = "site"
	attrPlugin        = "plugin"
	attrRoute         = "route"
	attrRouteKey      = "route_key"
	attrHandler       = "handler"
	attrKind          = "kind"
	attrMessage       = "message"
	attrStack         = "stack"
	attrOutput        = "output"
	attrOutputDropped = "output_dropped"
)

// logFailure writes the one record of a failed call: at ERROR, or WARN
// when the plugin was being unloaded.
func (s *Site) logFailure(rt *route.Route, requestID string, f guest.Failure) {
	level := slog.LevelError
	if f.Kind == guest.KindUnloading {
		level = slog.LevelWarn
	}
	ctx := context.Background()
	if !s.log.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 11)
	attrs = append(attrs,
		slog.String(attrRequestID, requestID),
		slog.String(attrSite, s.name),
		slog.String(attrPlugin, rt.Plugin),
		slog.String(attrRoute, rt.Pattern.String()),
		slog.String(attrRouteKey, rt.Key),
		slog.String(attrHandler, rt.Handler),
		slog.String(attrKind, f.Kind),
		slog.String(attrMessage, f.Message))
	if f.Stack != "" {
		attrs = append(attrs, slog.String(attrStack, f.Stack))
	}
	if f.Output != "" {
		attrs = append(attrs, slog.String(attrOutput, f.Output))
	}
	if f.OutputDropped > 0 {
		attrs = append(attrs, slog.Int64(attrOutputDropped, f.OutputDropped))
	}
	s.log.LogAttrs(ctx, level, failureMessages[f.Kind], attrs...)
}

// failResponse replaces what the guest wrote with an error page, or
// closes the connection when the head has already gone out.
func (s *Site) failResponse(w *netloop.Response, status int) {
	if w.Sent() {
		w.Abort()
		return
	}
	errorpage.Write(w, status, "")
	if status == 503 {
		w.SetHeader("Retry-After", "1")
	}
}

// unsafeString views b as a string for the duration of a request; it
// must not be kept.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
