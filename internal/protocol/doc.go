// Package protocol is Discord's wire vocabulary: gateway opcodes, close codes,
// intents, JSON error codes, flags and limits, permission bits and the
// permission algorithm, dispatch event names, and the typed JSON shapes of
// every REST object and gateway payload Accord writes, with the conversions
// from the domain types of package chat. Marshal is the one encode path; the
// golden files under testdata/golden pin the bytes of each object.
//
// It only encodes and decodes; it starts no goroutines and does no I/O, so
// every function is safe for concurrent use. Values returned by the
// conversions share slices with their arguments (roles, overwrites,
// mention roles); callers must not modify either while the other is in use.
package protocol
