package protocol

// Gateway payloads the gateway package used to build ad hoc. Field order is
// the order of the bytes written today; changing it changes the wire.

// ReadyUser is READY's "user": Discord's user object plus the fields only
// the current user has.
type ReadyUser struct {
	User
	Verified   bool `json:"verified"`
	MFAEnabled bool `json:"mfa_enabled"`
}

// Resumed is the "d" of the RESUMED dispatch: Discord sends only a trace of
// the servers that handled the session.
type Resumed struct {
	Trace []string `json:"_trace"`
}
