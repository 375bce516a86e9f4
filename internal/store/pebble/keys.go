package pebble

import (
	"encoding/binary"
	"strings"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
)

// Key layout. Every key starts with a short text prefix naming its table;
// IDs after it are 8-byte big-endian so byte order is numeric order.
//
//	m/<channel><bucket:4><^message>  message record (record.go); the inverted
//	                                 ID makes forward iteration newest first,
//	                                 as CLUSTERING ORDER BY (message_id DESC)
//	mb/<channel><^bucket:4>          the channel's non-empty buckets, newest
//	                                 first; empty value
//	u/<user>                         chat.User JSON
//	un/<lowercase username>          user ID
//	uc/<user>                        chat.Credentials JSON
//	t/<token hash>                   user ID
//	a/<app>                          chat.Application JSON
//	ab/<bot user>                    application ID
//	g/<guild>                        chat.Guild JSON
//	c/<channel>                      chat.Channel JSON
//	gc/<guild><channel>              chat.Channel JSON (copy, for listing)
//	gr/<guild><role>                 chat.Role JSON
//	gm/<guild><user>                 chat.Member JSON
//	ug/<user><guild>                 empty
//	i/<code>                         chat.Invite JSON
//	gi/<guild><code>                 chat.Invite JSON (copy, for listing)
//
// No prefix is a prefix of another ("m/" and "mb/" differ in their second
// byte), so a prefix scan never strays into another table.
const (
	pMessage      = "m/"
	pBucket       = "mb/"
	pUser         = "u/"
	pUsername     = "un/"
	pCredentials  = "uc/"
	pToken        = "t/"
	pApp          = "a/"
	pAppByBot     = "ab/"
	pGuild        = "g/"
	pChannel      = "c/"
	pGuildChannel = "gc/"
	pGuildRole    = "gr/"
	pGuildMember  = "gm/"
	pUserGuild    = "ug/"
	pInvite       = "i/"
	pGuildInvite  = "gi/"
)

// idKey returns prefix followed by each ID, big-endian.
func idKey(prefix string, ids ...chat.ID) []byte {
	k := make([]byte, 0, len(prefix)+8*len(ids))
	k = append(k, prefix...)
	for _, id := range ids {
		k = binary.BigEndian.AppendUint64(k, uint64(id))
	}
	return k
}

func strKey(prefix string, ids []chat.ID, s string) []byte {
	return append(idKey(prefix, ids...), s...)
}

func usernameKey(name string) []byte { return strKey(pUsername, nil, strings.ToLower(name)) }

func tokenKey(hash []byte) []byte { return append([]byte(pToken), hash...) }

// Message keys.
const (
	msgKeyLen    = len(pMessage) + 8 + 4 + 8
	bucketKeyLen = len(pBucket) + 8 + 4
)

// bucketPrefix is the first key of partition (channel, bucket); every
// message key of the partition starts with it.
func bucketPrefix(channel chat.ID, bucket int64) []byte {
	k := make([]byte, 0, msgKeyLen)
	k = append(k, pMessage...)
	k = binary.BigEndian.AppendUint64(k, uint64(channel))
	return binary.BigEndian.AppendUint32(k, uint32(bucket))
}

func messageKey(channel, id chat.ID) []byte {
	return binary.BigEndian.AppendUint64(bucketPrefix(channel, snowflake.Bucket(id)), ^uint64(id))
}

// messageKeyID returns the message ID in a message key.
func messageKeyID(k []byte) chat.ID {
	return chat.ID(^binary.BigEndian.Uint64(k[msgKeyLen-8:]))
}

func bucketKey(channel chat.ID, bucket int64) []byte {
	k := make([]byte, 0, bucketKeyLen)
	k = append(k, pBucket...)
	k = binary.BigEndian.AppendUint64(k, uint64(channel))
	return binary.BigEndian.AppendUint32(k, ^uint32(bucket))
}

// bucketKeyBucket returns the bucket in a bucket index key.
func bucketKeyBucket(k []byte) int64 {
	return int64(^binary.BigEndian.Uint32(k[bucketKeyLen-4:]))
}

// prefixEnd returns the smallest key greater than every key starting with p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil // p is all 0xff: no upper bound
}

// keyAfter returns the smallest key greater than k.
func keyAfter(k []byte) []byte { return append(append([]byte(nil), k...), 0) }
