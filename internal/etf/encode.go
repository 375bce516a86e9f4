package etf

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// AppendJSON appends to dst the term for the JSON value js (without the
// Version byte): objects become maps with binary keys, arrays lists (NIL
// when empty), strings binaries, integers SMALL_INTEGER, INTEGER or
// SMALL_BIG, other numbers NEW_FLOAT, and true, false and null the atoms
// true, false and nil. js is expected to be what the server itself
// marshalled; anything else is refused with ErrSyntax, never a panic.
func AppendJSON(dst, js []byte) ([]byte, error) {
	e := encoder{js: js}
	start := len(dst)
	dst, err := e.value(dst, 0)
	if err == nil {
		e.space()
		if e.i != len(e.js) {
			err = e.syntax()
		}
	}
	if err != nil {
		return dst[:start], err
	}
	return dst, nil
}

// AppendMapHeader appends the header of a map of n pairs; the caller then
// appends n keys and values.
func AppendMapHeader(dst []byte, n int) []byte {
	return binary.BigEndian.AppendUint32(append(dst, tagMap), uint32(n))
}

// AppendBinary appends s as a binary, Discord's form of a string.
func AppendBinary(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint32(append(dst, tagBinary), uint32(len(s)))
	return append(dst, s...)
}

// AppendInt appends v in the smallest of SMALL_INTEGER, INTEGER and
// SMALL_BIG that holds it, as term_to_binary does.
func AppendInt(dst []byte, v int64) []byte {
	switch {
	case v >= 0 && v <= math.MaxUint8:
		return append(dst, tagSmallInteger, byte(v))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return binary.BigEndian.AppendUint32(append(dst, tagInteger), uint32(int32(v)))
	case v < 0:
		return appendBig(dst, 1, uint64(-v)) // -MinInt64 wraps to its own magnitude
	default:
		return appendBig(dst, 0, uint64(v))
	}
}

// appendBig appends SMALL_BIG: digit count, sign, little-endian digits.
func appendBig(dst []byte, sign byte, mag uint64) []byte {
	n := 0
	for m := mag; m > 0; m >>= 8 {
		n++
	}
	dst = append(dst, tagSmallBig, byte(n), sign)
	for ; mag > 0; mag >>= 8 {
		dst = append(dst, byte(mag))
	}
	return dst
}

// AppendAtom appends a short Latin-1 atom (SMALL_ATOM_EXT, which erlpack
// writes and every decoder reads).
func AppendAtom(dst []byte, name string) []byte {
	return append(append(dst, tagSmallAtom, byte(len(name))), name...)
}

// encoder walks one JSON value.
type encoder struct {
	js []byte
	i  int
}

func (e *encoder) syntax() error { return fmt.Errorf("%w: JSON at byte %d", ErrSyntax, e.i) }

func (e *encoder) space() {
	for e.i < len(e.js) {
		switch e.js[e.i] {
		case ' ', '\t', '\n', '\r':
			e.i++
		default:
			return
		}
	}
}

func (e *encoder) literal(dst []byte, word, atom string) ([]byte, error) {
	if len(e.js)-e.i < len(word) || string(e.js[e.i:e.i+len(word)]) != word {
		return dst, e.syntax()
	}
	e.i += len(word)
	return AppendAtom(dst, atom), nil
}

func (e *encoder) value(dst []byte, depth int) ([]byte, error) {
	e.space()
	if e.i >= len(e.js) {
		return dst, e.syntax()
	}
	switch c := e.js[e.i]; {
	case c == '{':
		if depth >= MaxDepth {
			return dst, ErrDepth
		}
		return e.object(dst, depth+1)
	case c == '[':
		if depth >= MaxDepth {
			return dst, ErrDepth
		}
		return e.array(dst, depth+1)
	case c == '"':
		s, err := e.str()
		if err != nil {
			return dst, err
		}
		dst = binary.BigEndian.AppendUint32(append(dst, tagBinary), uint32(len(s)))
		return append(dst, s...), nil
	case c == 't':
		return e.literal(dst, "true", "true")
	case c == 'f':
		return e.literal(dst, "false", "false")
	case c == 'n':
		return e.literal(dst, "null", "nil")
	case c == '-' || c >= '0' && c <= '9':
		return e.number(dst)
	default:
		return dst, e.syntax()
	}
}

func (e *encoder) object(dst []byte, depth int) ([]byte, error) {
	e.i++ // '{'
	hdr := len(dst)
	dst = AppendMapHeader(dst, 0)
	n := 0
	e.space()
	if e.i < len(e.js) && e.js[e.i] == '}' {
		e.i++
		return dst, nil
	}
	for {
		e.space()
		if e.i >= len(e.js) || e.js[e.i] != '"' {
			return dst, e.syntax()
		}
		k, err := e.str()
		if err != nil {
			return dst, err
		}
		dst = binary.BigEndian.AppendUint32(append(dst, tagBinary), uint32(len(k)))
		dst = append(dst, k...)
		e.space()
		if e.i >= len(e.js) || e.js[e.i] != ':' {
			return dst, e.syntax()
		}
		e.i++
		if dst, err = e.value(dst, depth); err != nil {
			return dst, err
		}
		n++
		done, err := e.separator('}')
		if err != nil {
			return dst, err
		}
		if done {
			binary.BigEndian.PutUint32(dst[hdr+1:], uint32(n))
			return dst, nil
		}
	}
}

// separator consumes what follows an element of an object or array: a
// ',' (more to come) or the closing byte (done).
func (e *encoder) separator(closing byte) (done bool, err error) {
	e.space()
	if e.i >= len(e.js) {
		return false, e.syntax()
	}
	switch e.js[e.i] {
	case ',':
		e.i++
		return false, nil
	case closing:
		e.i++
		return true, nil
	}
	return false, e.syntax()
}

func (e *encoder) array(dst []byte, depth int) ([]byte, error) {
	e.i++ // '['
	hdr := len(dst)
	e.space()
	if e.i < len(e.js) && e.js[e.i] == ']' {
		e.i++
		return append(dst, tagNil), nil // Erlang's empty list has no LIST header
	}
	dst = binary.BigEndian.AppendUint32(append(dst, tagList), 0)
	n := 0
	for {
		var err error
		if dst, err = e.value(dst, depth); err != nil {
			return dst, err
		}
		n++
		done, err := e.separator(']')
		if err != nil {
			return dst, err
		}
		if done {
			binary.BigEndian.PutUint32(dst[hdr+1:], uint32(n))
			return append(dst, tagNil), nil // a proper list ends in []
		}
	}
}

// str reads a JSON string and returns its bytes. Strings without escapes
// (nearly all the server writes) are returned in place; others go through
// encoding/json for the escape rules (\u, surrogate pairs).
func (e *encoder) str() ([]byte, error) {
	start := e.i
	e.i++ // '"'
	escaped := false
	for e.i < len(e.js) {
		switch c := e.js[e.i]; {
		case c == '"':
			e.i++
			if !escaped {
				return e.js[start+1 : e.i-1], nil
			}
			var s string
			if err := json.Unmarshal(e.js[start:e.i], &s); err != nil {
				return nil, e.syntax()
			}
			return []byte(s), nil
		case c == '\\':
			escaped = true
			e.i += 2
		case c < 0x20:
			return nil, e.syntax()
		default:
			e.i++
		}
	}
	return nil, e.syntax()
}

func (e *encoder) number(dst []byte) ([]byte, error) {
	start := e.i
	integer := true
	for e.i < len(e.js) {
		c := e.js[e.i]
		if c == '.' || c == 'e' || c == 'E' || c == '+' {
			integer = false
		} else if c != '-' && (c < '0' || c > '9') {
			break
		}
		e.i++
	}
	s := string(e.js[start:e.i])
	if integer {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return AppendInt(dst, v), nil
		}
		// SMALL_BIG holds a sign and a 64-bit magnitude: wider than int64.
		if v, err := strconv.ParseUint(s, 10, 64); err == nil {
			return appendBig(dst, 0, v), nil
		}
		if len(s) > 1 && s[0] == '-' && s[1] != '-' {
			if v, err := strconv.ParseUint(s[1:], 10, 64); err == nil {
				return appendBig(dst, 1, v), nil
			}
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return dst, e.syntax()
	}
	return binary.BigEndian.AppendUint64(append(dst, tagNewFloat), math.Float64bits(f)), nil
}
