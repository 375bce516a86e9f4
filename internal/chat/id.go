package chat

import (
	"errors"
	"strconv"
)

// ID is a Discord-format snowflake. On the wire it is always a JSON string,
// because JavaScript numbers cannot hold 64 bits exactly.
type ID uint64

// ParseID parses a decimal snowflake. The zero ID is rejected because no
// entity has it.
func ParseID(s string) (ID, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v == 0 {
		return 0, errInvalidID
	}
	return ID(v), nil
}

var errInvalidID = errors.New("chat: invalid snowflake")

// String returns the decimal form.
func (id ID) String() string { return strconv.FormatUint(uint64(id), 10) }

// MarshalJSON encodes the ID as a JSON string.
func (id ID) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 22)
	b = append(b, '"')
	b = strconv.AppendUint(b, uint64(id), 10)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts a JSON string or number, as Discord does.
func (id *ID) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*id = 0
		return nil
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return errInvalidID
	}
	*id = ID(v)
	return nil
}
