package etf

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// tagCompressed marks a zlib-compressed term, which clients do not send
// and which would let a small frame inflate without bound.
const tagCompressed = 80

// ToJSON appends to dst the JSON for the term b (starting with the Version
// byte), as Discord reads what clients send: maps become objects (binary,
// atom and integer keys become strings), lists, tuples and byte strings
// arrays, binaries strings, the atoms nil, true and false null, true and
// false, other atoms strings. Work and output are linear in len(b): counts
// are checked against the bytes left before anything is read, so a short
// term cannot announce a huge list.
func ToJSON(dst, b []byte) ([]byte, error) {
	if len(b) == 0 || b[0] != Version {
		return dst, fmt.Errorf("%w: no version byte", ErrSyntax)
	}
	if len(b) > 1 && b[1] == tagCompressed {
		return dst, fmt.Errorf("%w: compressed term", ErrUnsupported)
	}
	d := decoder{b: b, i: 1}
	start := len(dst)
	dst, err := d.term(dst, 0)
	if err == nil && d.i != len(b) {
		err = fmt.Errorf("%w: %d trailing bytes", ErrSyntax, len(b)-d.i)
	}
	if err != nil {
		return dst[:start], err
	}
	return dst, nil
}

type decoder struct {
	b []byte
	i int
}

func (d *decoder) left() int { return len(d.b) - d.i }

func (d *decoder) short() error { return fmt.Errorf("%w: truncated at byte %d", ErrSyntax, d.i) }

// take returns the next n bytes.
func (d *decoder) take(n int) ([]byte, error) {
	if n < 0 || n > d.left() {
		return nil, d.short()
	}
	p := d.b[d.i : d.i+n]
	d.i += n
	return p, nil
}

func (d *decoder) u8() (int, error) {
	p, err := d.take(1)
	if err != nil {
		return 0, err
	}
	return int(p[0]), nil
}

func (d *decoder) u16() (int, error) {
	p, err := d.take(2)
	if err != nil {
		return 0, err
	}
	return int(binary.BigEndian.Uint16(p)), nil
}

func (d *decoder) u32() (int, error) {
	p, err := d.take(4)
	if err != nil {
		return 0, err
	}
	return int(binary.BigEndian.Uint32(p)), nil
}

// count reads an element count and checks that the bytes left can hold
// that many elements of at least per bytes each.
func (d *decoder) count(size, per int) (int, error) {
	var n int
	var err error
	switch size {
	case 1:
		n, err = d.u8()
	case 4:
		n, err = d.u32()
	}
	if err != nil {
		return 0, err
	}
	if n > d.left()/per {
		return 0, d.short()
	}
	return n, nil
}

func (d *decoder) term(dst []byte, depth int) ([]byte, error) {
	tag, err := d.u8()
	if err != nil {
		return dst, err
	}
	switch tag {
	case tagSmallInteger:
		v, err := d.u8()
		return strconv.AppendInt(dst, int64(v), 10), err
	case tagInteger:
		p, err := d.take(4)
		if err != nil {
			return dst, err
		}
		return strconv.AppendInt(dst, int64(int32(binary.BigEndian.Uint32(p))), 10), nil
	case tagSmallBig:
		return d.big(dst)
	case tagNewFloat:
		p, err := d.take(8)
		if err != nil {
			return dst, err
		}
		f := math.Float64frombits(binary.BigEndian.Uint64(p))
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return dst, fmt.Errorf("%w: non-finite float", ErrUnsupported)
		}
		if f == 0 {
			f = 0 // JSON has no -0; keeps ToJSON(AppendJSON(x)) stable
		}
		return strconv.AppendFloat(dst, f, 'g', -1, 64), nil
	case tagAtom, tagSmallAtom, tagAtomUTF8, tagSmallAtomUTF8:
		name, latin1, err := d.atom(tag)
		if err != nil {
			return dst, err
		}
		switch string(name) {
		case "nil":
			return append(dst, "null"...), nil
		case "true", "false":
			return append(dst, name...), nil
		}
		return appendString(dst, name, latin1), nil
	case tagBinary:
		n, err := d.u32()
		if err != nil {
			return dst, err
		}
		p, err := d.take(n)
		return appendString(dst, p, false), err
	case tagNil:
		return append(dst, "[]"...), nil
	case tagString:
		n, err := d.u16()
		if err != nil {
			return dst, err
		}
		p, err := d.take(n)
		if err != nil {
			return dst, err
		}
		dst = append(dst, '[')
		for k, c := range p {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendInt(dst, int64(c), 10)
		}
		return append(dst, ']'), nil
	}
	if depth >= MaxDepth {
		return dst, ErrDepth
	}
	switch tag {
	case tagList:
		n, err := d.count(4, 1)
		if err != nil {
			return dst, err
		}
		if dst, err = d.elements(dst, n, depth+1); err != nil {
			return dst, err
		}
		if t, err := d.u8(); err != nil || t != tagNil {
			return dst, fmt.Errorf("%w: improper list", ErrUnsupported)
		}
		return dst, nil
	case tagSmallTuple, tagLargeTuple:
		size := 1
		if tag == tagLargeTuple {
			size = 4
		}
		n, err := d.count(size, 1)
		if err != nil {
			return dst, err
		}
		return d.elements(dst, n, depth+1)
	case tagMap:
		n, err := d.count(4, 2)
		if err != nil {
			return dst, err
		}
		dst = append(dst, '{')
		for k := range n {
			if k > 0 {
				dst = append(dst, ',')
			}
			if dst, err = d.key(dst); err != nil {
				return dst, err
			}
			dst = append(dst, ':')
			if dst, err = d.term(dst, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
	return dst, fmt.Errorf("%w: tag %d at byte %d", ErrUnsupported, tag, d.i-1)
}

func (d *decoder) elements(dst []byte, n, depth int) ([]byte, error) {
	dst = append(dst, '[')
	for k := range n {
		if k > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = d.term(dst, depth); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// key appends a map key as a JSON string: binaries, atoms, byte strings
// and integers (which some encoders use for snowflake keys) are accepted.
func (d *decoder) key(dst []byte) ([]byte, error) {
	if d.left() == 0 {
		return dst, d.short()
	}
	switch tag := d.b[d.i]; tag {
	case tagBinary:
		d.i++
		n, err := d.u32()
		if err != nil {
			return dst, err
		}
		p, err := d.take(n)
		return appendString(dst, p, false), err
	case tagString:
		d.i++
		n, err := d.u16()
		if err != nil {
			return dst, err
		}
		p, err := d.take(n)
		return appendString(dst, p, true), err
	case tagAtom, tagSmallAtom, tagAtomUTF8, tagSmallAtomUTF8:
		d.i++
		name, latin1, err := d.atom(int(tag))
		return appendString(dst, name, latin1), err
	case tagSmallInteger, tagInteger, tagSmallBig:
		dst = append(dst, '"')
		dst, err := d.term(dst, MaxDepth)
		return append(dst, '"'), err
	}
	return dst, fmt.Errorf("%w: map key tag %d at byte %d", ErrUnsupported, d.b[d.i], d.i)
}

// atom reads an atom's name after its tag and reports whether it is
// Latin-1 (ATOM_EXT, SMALL_ATOM_EXT) rather than UTF-8.
func (d *decoder) atom(tag int) ([]byte, bool, error) {
	var n int
	var err error
	if tag == tagSmallAtom || tag == tagSmallAtomUTF8 {
		n, err = d.u8()
	} else {
		n, err = d.u16()
	}
	if err != nil {
		return nil, false, err
	}
	if n > 255*4 { // an atom has at most 255 characters
		return nil, false, fmt.Errorf("%w: atom of %d bytes", ErrSyntax, n)
	}
	p, err := d.take(n)
	return p, tag == tagAtom || tag == tagSmallAtom, err
}

// big decodes SMALL_BIG up to 64 bits; Discord's integers (snowflakes
// included) fit.
func (d *decoder) big(dst []byte) ([]byte, error) {
	n, err := d.u8()
	if err != nil {
		return dst, err
	}
	sign, err := d.u8()
	if err != nil {
		return dst, err
	}
	p, err := d.take(n)
	if err != nil {
		return dst, err
	}
	if n > 8 || sign > 1 {
		return dst, fmt.Errorf("%w: integer over 64 bits", ErrUnsupported)
	}
	var mag uint64
	for k := n - 1; k >= 0; k-- {
		mag = mag<<8 | uint64(p[k])
	}
	if sign == 1 && mag != 0 {
		dst = append(dst, '-')
	}
	return strconv.AppendUint(dst, mag, 10), nil
}

const hexDigits = "0123456789abcdef"

// appendString appends p as a JSON string. Latin-1 bytes (old-style atoms,
// byte strings) are widened to runes; invalid UTF-8 becomes U+FFFD, as
// encoding/json does.
func appendString(dst, p []byte, latin1 bool) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
			i++
		case c == '\n':
			dst = append(dst, '\\', 'n')
			i++
		case c == '\r':
			dst = append(dst, '\\', 'r')
			i++
		case c == '\t':
			dst = append(dst, '\\', 't')
			i++
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			i++
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		case latin1:
			dst = utf8.AppendRune(dst, rune(c))
			i++
		default:
			r, size := utf8.DecodeRune(p[i:])
			dst = utf8.AppendRune(dst, r) // RuneError for invalid bytes
			i += size
		}
	}
	return append(dst, '"')
}
