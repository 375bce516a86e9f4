// Package archtest holds no code. Its tests keep the import graph of
// shared/DESIGN.md true: imports point one way (cmd -> server -> services and
// backends -> vocabulary packages -> chat), backends never import each other,
// each outside driver is imported by the one package made for it, and every
// package has a doc comment. They also keep internal/account the only package
// that reads users and tokens from the store: a type-checked scan (users_test.go)
// flags every call of a store user method, and every store value handed to an
// interface declaring one, anywhere else.
package archtest
