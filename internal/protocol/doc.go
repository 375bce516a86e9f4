// Package protocol is Discord's wire vocabulary: gateway opcodes, close codes,
// intents, JSON error codes, permission bits and the permission algorithm.
// It only encodes and decodes; it starts no goroutines and does no I/O, so
// every function is safe for concurrent use.
package protocol
