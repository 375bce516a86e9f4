// Package etf encodes and decodes the subset of Erlang's External Term
// Format that Discord's gateway speaks with encoding=etf: maps with binary
// keys, lists, binaries (strings), integers (SMALL_INTEGER, INTEGER,
// SMALL_BIG up to 64 bits), NEW_FLOAT, and the atoms nil, true and false.
//
// The gateway keeps JSON as its one internal form: FromJSON turns a JSON
// value the server built into the term a Discord client expects (snowflakes
// stay strings, as Discord sends them), and ToJSON turns a client's term
// back into JSON for the payload decoder, so both encodings pass through
// the same validation. Like protocol, etf only converts bytes: no
// goroutines, no I/O. All functions are safe for concurrent use; they
// append to and return dst, and never retain their arguments.
package etf

import "errors"

// Version is the first byte of every encoded term.
const Version = 131

// Term tags (erts External Term Format).
const (
	tagNewFloat      = 70
	tagSmallInteger  = 97
	tagInteger       = 98
	tagAtom          = 100 // ATOM_EXT, Latin-1, 2-byte length
	tagSmallTuple    = 104
	tagLargeTuple    = 105
	tagNil           = 106 // the empty list
	tagString        = 107 // a list of bytes, 2-byte length
	tagList          = 108
	tagBinary        = 109
	tagSmallBig      = 110
	tagSmallAtom     = 115 // SMALL_ATOM_EXT, Latin-1
	tagMap           = 116
	tagAtomUTF8      = 118
	tagSmallAtomUTF8 = 119
)

// MaxDepth is how deeply lists, tuples and maps may nest, in either
// direction. Discord's payloads nest a handful of levels; the bound keeps
// a hostile term from costing stack.
const MaxDepth = 64

// Errors, wrapped with where they were found.
var (
	// ErrSyntax reports a term or JSON value that is malformed, truncated,
	// or followed by trailing bytes.
	ErrSyntax = errors.New("etf: malformed input")
	// ErrUnsupported reports a well-formed term outside Discord's subset
	// (pids, references, funs, bit strings, bignums over 64 bits,
	// improper lists, non-finite floats, compressed terms, map keys that
	// are not strings or integers).
	ErrUnsupported = errors.New("etf: unsupported term")
	// ErrDepth reports nesting beyond MaxDepth.
	ErrDepth = errors.New("etf: nesting too deep")
)
