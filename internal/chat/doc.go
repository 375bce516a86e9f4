// Package chat holds Accord's domain types: users, guilds, channels, roles,
// members, messages and invites, and the errors every layer shares.
//
// It is the bottom of the import graph: chat imports nothing from Accord.
// Values are plain data; they carry no locks, and a value handed to another
// goroutine must not be mutated afterwards (copy it first).
package chat
