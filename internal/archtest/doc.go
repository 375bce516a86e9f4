// Package archtest holds no code. Its tests keep the import graph of
// shared/DESIGN.md true: imports point one way (cmd -> server -> services and
// backends -> vocabulary packages -> chat), backends never import each other,
// each outside driver is imported by the one package made for it, and every
// package has a doc comment.
package archtest
