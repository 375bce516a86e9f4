package chat

import "errors"

// Sentinel errors shared by every layer. Callers branch with errors.Is; the
// api package maps each to Discord's JSON error code.
var (
	ErrUnknownUser    = errors.New("chat: unknown user")
	ErrUnknownGuild   = errors.New("chat: unknown guild")
	ErrUnknownChannel = errors.New("chat: unknown channel")
	ErrUnknownMessage = errors.New("chat: unknown message")
	ErrUnknownRole    = errors.New("chat: unknown role")
	ErrUnknownMember  = errors.New("chat: unknown member")
	ErrUnknownInvite  = errors.New("chat: unknown invite")
	ErrUnknownApp     = errors.New("chat: unknown application")
	ErrMissingAccess  = errors.New("chat: missing access")
	ErrMissingPerms   = errors.New("chat: missing permissions")
)
