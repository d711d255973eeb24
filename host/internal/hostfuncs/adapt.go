package hostfuncs

import (
	"context"
	"unsafe"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/guest"
)

// A param is one parameter of a host function as it crosses the
// boundary: its names and Wasm types as ABI.md gives them, and how its
// value is decoded from the stack, which starts at the parameter.
type param[T any] struct {
	names  []string
	types  []api.ValueType
	decode func(mod api.Module, stack []uint64) T
}

func (p param[T]) spec() ([]string, []api.ValueType) { return p.names, p.types }

// spec is what def needs of a param of any type.
type spec interface {
	spec() (names []string, types []api.ValueType)
}

var (
	i32s = []api.ValueType{api.ValueTypeI32}
	i64s = []api.ValueType{api.ValueTypeI64}
)

// i32 is an i32 parameter.
func i32(name string) param[int32] {
	return param[int32]{[]string{name}, i32s, func(_ api.Module, stack []uint64) int32 { return api.DecodeI32(stack[0]) }}
}

// i64 is an i64 parameter.
func i64(name string) param[int64] {
	return param[int64]{[]string{name}, i64s, func(_ api.Module, stack []uint64) int64 { return int64(stack[0]) }}
}

// f64 is an f64 parameter.
func f64(name string) param[float64] {
	return param[float64]{[]string{name}, []api.ValueType{api.ValueTypeF64}, func(_ api.Module, stack []uint64) float64 { return api.DecodeF64(stack[0]) }}
}

// mem is an input (ptr, len): named name and name_len, or by the two
// names given. Its value is a view of guest memory, valid during the
// call only: a function copies what it keeps.
func mem(names ...string) param[[]byte] {
	if len(names) == 1 {
		names = append(names, names[0]+"_len")
	}
	return param[[]byte]{names, []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, decodeMem}
}

func decodeMem(mod api.Module, stack []uint64) []byte {
	return read(mod, api.DecodeU32(stack[0]), api.DecodeU32(stack[1]))
}

// str is an input (name, name_len), copied into a string.
func str(name string) param[string] {
	return param[string]{[]string{name, name + "_len"}, []api.ValueType{api.ValueTypeI32, api.ValueTypeI32},
		func(mod api.Module, stack []uint64) string { return string(decodeMem(mod, stack)) }}
}

// outParams are an output function's last two parameters.
var outParams = param[[]byte]{[]string{"buf", "buf_limit"}, []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, decodeMem}

// def declares a host function from its parameters' specs.
// reqDef is def for a function a snapshot may stand for when an
// instance's initialization calls it (guest.Func.SameAtInit): outside a
// call it answers ERR_NO_REQUEST, or, for log, writes its line.
func reqDef(name string, results []api.ValueType, fn api.GoModuleFunc, params ...spec) guest.Func {
	f := def(name, results, fn, params...)
	f.SameAtInit = true
	return f
}

func def(name string, results []api.ValueType, fn api.GoModuleFunc, params ...spec) guest.Func {
	f := guest.Func{Name: name, Results: results, Fn: fn}
	for _, p := range params {
		names, types := p.spec()
		f.ParamNames = append(f.ParamNames, names...)
		f.Params = append(f.Params, types...)
	}
	return f
}

// current returns the call being served by the instance of ctx, or nil
// outside wasmweb_handle.
func current(ctx context.Context) *Call {
	in := guest.FromContext(ctx)
	if in == nil {
		return nil
	}
	c := in.State().(*Call)
	if c.req == nil {
		return nil
	}
	return c
}

// read returns a copy-free view of guest memory [ptr, ptr+n), trapping
// when it falls outside memory (abi/ABI.md section 6).
func read(mod api.Module, ptr, n uint32) []byte {
	mem := mod.Memory()
	if mem == nil {
		guest.Trap("guest exports no memory")
	}
	if uint64(ptr)+uint64(n) > uint64(mem.Size()) {
		guest.Trap("range [%d, %d) outside memory of %d bytes", ptr, uint64(ptr)+uint64(n), mem.Size())
	}
	b, ok := mem.Read(ptr, n)
	if !ok {
		guest.Trap("range [%d, %d) outside memory", ptr, uint64(ptr)+uint64(n))
	}
	return b
}

func ret(stack []uint64, v int32) { stack[0] = api.EncodeI32(v) }

// output implements the (buf, buf_limit) -> len rule into dst, the
// guest's buffer: a function's value is written only when it fits, and
// its length is returned either way; an error code is returned as it is.
func output(stack []uint64, dst []byte, val string, errno int32) {
	switch {
	case errno != 0:
		ret(stack, errno)
	case len(val) > int(^uint32(0)>>1):
		ret(stack, abi.ErrTooLarge)
	default:
		if len(val) <= len(dst) {
			copy(dst, val)
		}
		ret(stack, int32(len(val)))
	}
}

// view returns b as a string without copying, for an output function's
// value, which output copies into the guest's buffer at once.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// The adapters. Each decodes its parameters (trapping on a range
// outside memory) before it looks for the call, so that a guest's misuse
// traps whether or not it is serving a request.

// free2 declares a function of two parameters that needs no request:
// it runs for any call of the instance, _initialize's too.
func free2[A, B any](name string, a param[A], b param[B], fn func(*guest.Instance, A, B)) guest.Func {
	ob := len(a.types)
	return reqDef(name, nil, func(ctx context.Context, mod api.Module, stack []uint64) {
		av, bv := a.decode(mod, stack), b.decode(mod, stack[ob:])
		if in := guest.FromContext(ctx); in != nil {
			fn(in, av, bv)
		}
	}, a, b)
}

// in0 to in3 declare functions that serve a request and return an i32:
// 0 or an error code.
func in0(name string, fn func(*Call) int32) guest.Func {
	return reqDef(name, i32s, func(ctx context.Context, _ api.Module, stack []uint64) {
		c := current(ctx)
		if c == nil {
			ret(stack, abi.ErrNoRequest)
			return
		}
		ret(stack, fn(c))
	})
}

func in1[A any](name string, a param[A], fn func(*Call, A) int32) guest.Func {
	return reqDef(name, i32s, func(ctx context.Context, mod api.Module, stack []uint64) {
		av := a.decode(mod, stack)
		c := current(ctx)
		if c == nil {
			ret(stack, abi.ErrNoRequest)
			return
		}
		ret(stack, fn(c, av))
	}, a)
}

func in2[A, B any](name string, a param[A], b param[B], fn func(*Call, A, B) int32) guest.Func {
	ob := len(a.types)
	return reqDef(name, i32s, func(ctx context.Context, mod api.Module, stack []uint64) {
		av, bv := a.decode(mod, stack), b.decode(mod, stack[ob:])
		c := current(ctx)
		if c == nil {
			ret(stack, abi.ErrNoRequest)
			return
		}
		ret(stack, fn(c, av, bv))
	}, a, b)
}

func in3[A, B, C any](name string, a param[A], b param[B], cp param[C], fn func(*Call, A, B, C) int32) guest.Func {
	ob := len(a.types)
	oc := ob + len(b.types)
	return reqDef(name, i32s, func(ctx context.Context, mod api.Module, stack []uint64) {
		av, bv, cv := a.decode(mod, stack), b.decode(mod, stack[ob:]), cp.decode(mod, stack[oc:])
		c := current(ctx)
		if c == nil {
			ret(stack, abi.ErrNoRequest)
			return
		}
		ret(stack, fn(c, av, bv, cv))
	}, a, b, cp)
}

// out0 to out3 declare output functions: their inputs, then (buf,
// buf_limit). The Go function returns the value, or an error code.
func out0(name string, fn func(*Call) (string, int32)) guest.Func {
	return reqDef(name, i32s, func(ctx context.Context, mod api.Module, stack []uint64) {
		dst := decodeMem(mod, stack)
		c := current(ctx)
		if c == nil {
			ret(stack, abi.ErrNoRequest)
			return
		}
		v, errno := fn(c)
		output(stack, dst, v, errno)
	}, outParams)
}

func out1[A any](name string, a param[A], fn func(*Call, A) (string, int32)) guest.Func {
	ob := len(a.types)
	return reqDef(name, i32s, func(ctx context.Context, mod api.Module, stack []uint64) {
		av := a.decode(mod, stack)
		dst := decodeMem(mod, stack[ob:])
		c := current(ctx)
		if c == nil {
			ret(stack, abi.ErrNoRequest)
			return
		}
		v, errno := fn(c, av)
		output(stack, dst, v, errno)
	}, a, outParams)
}

func out2[A, B any](name string, a param[A], b param[B], fn func(*Call, A, B) (string, int32)) guest.Func {
	ob := len(a.types)
	oo := ob + len(b.types)
	return reqDef(name, i32s, func(ctx context.Context, mod api.Module, stack []uint64) {
		av, bv := a.decode(mod, stack), b.decode(mod, stack[ob:])
		dst := decodeMem(mod, stack[oo:])
		c := current(ctx)
		if c == nil {
			ret(stack, abi.ErrNoRequest)
			return
		}
		v, errno := fn(c, av, bv)
		output(stack, dst, v, errno)
	}, a, b, outParams)
}

func out3[A, B, C any](name string, a param[A], b param[B], cp param[C], fn func(*Call, A, B, C) (string, int32)) guest.Func {
	ob := len(a.types)
	oc := ob + len(b.types)
	oo := oc + len(cp.types)
	return reqDef(name, i32s, func(ctx context.Context, mod api.Module, stack []uint64) {
		av, bv, cv := a.decode(mod, stack), b.decode(mod, stack[ob:]), cp.decode(mod, stack[oc:])
		dst := decodeMem(mod, stack[oo:])
		c := current(ctx)
		if c == nil {
			ret(stack, abi.ErrNoRequest)
			return
		}
		v, errno := fn(c, av, bv, cv)
		output(stack, dst, v, errno)
	}, a, b, cp, outParams)
}

// wide1 and wide2 declare functions that serve a request and return an
// i64: a value, or an error code.
func wide1[A any](name string, a param[A], fn func(*Call, A) int64) guest.Func {
	return reqDef(name, i64s, func(ctx context.Context, mod api.Module, stack []uint64) {
		av := a.decode(mod, stack)
		c := current(ctx)
		if c == nil {
			stack[0] = api.EncodeI64(abi.ErrNoRequest)
			return
		}
		stack[0] = api.EncodeI64(fn(c, av))
	}, a)
}

func wide2[A, B any](name string, a param[A], b param[B], fn func(*Call, A, B) int64) guest.Func {
	ob := len(a.types)
	return reqDef(name, i64s, func(ctx context.Context, mod api.Module, stack []uint64) {
		av, bv := a.decode(mod, stack), b.decode(mod, stack[ob:])
		c := current(ctx)
		if c == nil {
			stack[0] = api.EncodeI64(abi.ErrNoRequest)
			return
		}
		stack[0] = api.EncodeI64(fn(c, av, bv))
	}, a, b)
}
