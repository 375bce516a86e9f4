package protocol

import "github.com/accordchat/accord/internal/chat"

// Dispatch is one gateway event (op 0), encoded once by whoever produced it
// and shared read-only by every session that receives it. A session adds its
// own sequence number when it writes the frame:
//
//	{"op":0,"t":<Name>,"s":<seq>,"d":<Data>}
//
// so the event body is never re-encoded per recipient.
type Dispatch struct {
	Name string // event name, e.g. "MESSAGE_CREATE"
	Data []byte // JSON of "d"; never modified after the Dispatch is built
}

// AppendFrame appends the full op-0 frame for d with sequence seq to b.
func (d *Dispatch) AppendFrame(b []byte, seq int64) []byte {
	b = append(b, `{"op":0,"t":"`...)
	b = append(b, d.Name...)
	b = append(b, `","s":`...)
	b = appendInt(b, seq)
	b = append(b, `,"d":`...)
	b = append(b, d.Data...)
	return append(b, '}')
}

func appendInt(b []byte, v int64) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}

// UserUpdate is the USER_UPDATE dispatch of u, sent to u's own sessions.
func UserUpdate(u chat.User) (*Dispatch, error) {
	b, err := Marshal(UserObject(u))
	if err != nil {
		return nil, err
	}
	return &Dispatch{Name: EventUserUpdate, Data: b}, nil
}
