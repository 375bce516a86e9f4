package pebble

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/cockroachdb/pebble/v2"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// PutMessage inserts or replaces m in its (channel, bucket) partition and
// marks the bucket non-empty, both in one synced batch.
func (s *Store) PutMessage(ctx context.Context, m chat.Message) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	if m.ChannelID == 0 || m.ID == 0 {
		return fmt.Errorf("pebble store: put message %d/%d: zero ID", m.ChannelID, m.ID)
	}
	b := s.newBatch()
	b.set(messageKey(m.ChannelID, m.ID), appendMessage(make([]byte, 0, 32+len(m.Content)), &m))
	b.set(bucketKey(m.ChannelID, snowflake.Bucket(m.ID)), nil)
	l := s.channelLock(m.ChannelID)
	l.RLock()
	err := b.commit()
	l.RUnlock()
	if err != nil {
		return fmt.Errorf("pebble store: put message %d/%d: %w", m.ChannelID, m.ID, err)
	}
	return nil
}

// Message returns one message.
func (s *Store) Message(ctx context.Context, channelID, messageID chat.ID) (chat.Message, error) {
	if err := s.enter(ctx); err != nil {
		return chat.Message{}, err
	}
	defer s.mu.RUnlock()
	v, err := s.get(messageKey(channelID, messageID))
	if err != nil {
		return chat.Message{}, fmt.Errorf("pebble store: message %d/%d: %w", channelID, messageID, err)
	}
	m := chat.Message{ID: messageID, ChannelID: channelID}
	if err := decodeMessage(v, &m); err != nil {
		return chat.Message{}, fmt.Errorf("pebble store: message %d/%d: %w", channelID, messageID, err)
	}
	return m, nil
}

// DeleteMessage removes a message and, if it was the last one in its
// bucket, the bucket's index entry, in one synced batch.
func (s *Store) DeleteMessage(ctx context.Context, channelID, messageID chat.ID) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	// Exclusive: no PutMessage into this channel may commit between the
	// emptiness check and the index delete, or its bucket would be hidden.
	l := s.channelLock(channelID)
	l.Lock()
	defer l.Unlock()
	bucket := snowflake.Bucket(messageID)
	mk := messageKey(channelID, messageID)
	b := s.newBatch()
	b.delete(mk)
	empty, err := s.bucketEmptyWithout(channelID, bucket, mk)
	if err != nil {
		b.b.Close()
		return fmt.Errorf("pebble store: delete message %d/%d: %w", channelID, messageID, err)
	}
	if empty {
		b.delete(bucketKey(channelID, bucket))
	}
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: delete message %d/%d: %w", channelID, messageID, err)
	}
	return nil
}

// bucketEmptyWithout reports whether partition (channel, bucket) holds no
// message other than the one at key except.
func (s *Store) bucketEmptyWithout(channel chat.ID, bucket int64, except []byte) (bool, error) {
	lo := bucketPrefix(channel, bucket)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return false, err
	}
	empty := true
	for valid := it.First(); valid; valid = it.Next() {
		if !bytes.Equal(it.Key(), except) {
			empty = false
			break
		}
	}
	return empty, errors.Join(it.Error(), it.Close())
}

// Messages returns a page of a channel's messages, newest first, walking
// only the buckets the index lists as non-empty.
func (s *Store) Messages(ctx context.Context, channelID chat.ID, p store.Page) ([]chat.Message, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	limit := p.Limit
	if limit < 1 {
		limit = 50
	}
	limit = min(limit, store.MaxPage)
	r, err := s.newReader(channelID)
	if err != nil {
		return nil, fmt.Errorf("pebble store: messages of %d: %w", channelID, err)
	}
	var out []chat.Message
	switch {
	case p.Before != 0:
		out, err = r.older(p.Before-1, limit, make([]chat.Message, 0, limit))
	case p.After != 0:
		if p.After != math.MaxUint64 {
			out, err = r.newer(p.After+1, limit)
		}
	case p.Around != 0:
		half := limit / 2
		out, err = r.newer(p.Around, limit-half)
		if err == nil && half > 0 {
			out, err = r.older(p.Around-1, half, out)
		}
	default:
		out, err = r.older(math.MaxUint64, limit, make([]chat.Message, 0, limit))
	}
	if cerr := r.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("pebble store: messages of %d: %w", channelID, err)
	}
	return out, nil
}

// reader walks one channel's bucket index and message partitions.
type reader struct {
	s       *Store
	channel chat.ID
	index   *pebble.Iterator // over the channel's bucket index
	msgs    *pebble.Iterator // bounded to one partition at a time
}

func (s *Store) newReader(channel chat.ID) (*reader, error) {
	lo := bucketKey(channel, 0)[:len(pBucket)+8]
	index, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return nil, err
	}
	// Bounds are set per partition by openBucket.
	msgs, err := s.db.NewIter(nil)
	if err != nil {
		index.Close()
		return nil, err
	}
	return &reader{s: s, channel: channel, index: index, msgs: msgs}, nil
}

func (r *reader) close() error {
	return errors.Join(r.index.Close(), r.msgs.Close())
}

// openBucket bounds the message iterator to partition (channel, bucket).
func (r *reader) openBucket(bucket int64) {
	if r.s.onBucketRead != nil {
		r.s.onBucketRead(r.channel, bucket)
	}
	lo := bucketPrefix(r.channel, bucket)
	r.msgs.SetBounds(lo, prefixEnd(lo))
}

// message decodes the message under the message iterator.
func (r *reader) message() (chat.Message, error) {
	m := chat.Message{ID: messageKeyID(r.msgs.Key()), ChannelID: r.channel}
	v, err := r.msgs.ValueAndErr()
	if err == nil {
		err = decodeMessage(v, &m)
	}
	if err != nil {
		return chat.Message{}, fmt.Errorf("message %d: %w", m.ID, err)
	}
	return m, nil
}

// older appends to out up to n messages with ID <= max, newest first: the
// index is walked forward (newest bucket first) from max's bucket, and each
// partition forward (newest message first), stopping at n.
func (r *reader) older(max chat.ID, n int, out []chat.Message) ([]chat.Message, error) {
	first := snowflake.Bucket(max)
	for valid := r.index.SeekGE(bucketKey(r.channel, first)); valid && n > 0; valid = r.index.Next() {
		bucket := bucketKeyBucket(r.index.Key())
		r.openBucket(bucket)
		var ok bool
		if bucket == first {
			ok = r.msgs.SeekGE(messageKey(r.channel, max))
		} else {
			ok = r.msgs.First()
		}
		for ; ok && n > 0; ok = r.msgs.Next() {
			m, err := r.message()
			if err != nil {
				return nil, err
			}
			out = append(out, m)
			n--
		}
		if err := r.msgs.Error(); err != nil {
			return nil, err
		}
	}
	return out, r.index.Error()
}

// newer returns the up to n messages with ID >= lo closest to lo, newest
// first. It walks the index and partitions backwards (oldest first), the
// reverse query ScyllaDB had to learn to do well for Discord.
func (r *reader) newer(lo chat.ID, n int) ([]chat.Message, error) {
	first := snowflake.Bucket(lo)
	var out []chat.Message
	for valid := r.index.SeekLT(keyAfter(bucketKey(r.channel, first))); valid && n > 0; valid = r.index.Prev() {
		bucket := bucketKeyBucket(r.index.Key())
		r.openBucket(bucket)
		var ok bool
		if bucket == first {
			ok = r.msgs.SeekLT(keyAfter(messageKey(r.channel, lo)))
		} else {
			ok = r.msgs.Last()
		}
		for ; ok && n > 0; ok = r.msgs.Prev() {
			m, err := r.message()
			if err != nil {
				return nil, err
			}
			out = append(out, m)
			n--
		}
		if err := r.msgs.Error(); err != nil {
			return nil, err
		}
	}
	if err := r.index.Error(); err != nil {
		return nil, err
	}
	slices.Reverse(out)
	return out, nil
}

// FloorPutMessage writes exactly the batch PutMessage writes for m (the
// message record and its bucket index entry, synced), without the store's
// close lock and the channel's stripe: Pebble's own cost of a durable
// message, the floor `accord bench ingest --floor` measures Accord against.
func (s *Store) FloorPutMessage(m chat.Message) error {
	b := s.newBatch()
	b.set(messageKey(m.ChannelID, m.ID), appendMessage(make([]byte, 0, 32+len(m.Content)), &m))
	b.set(bucketKey(m.ChannelID, snowflake.Bucket(m.ID)), nil)
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: floor put message %d/%d: %w", m.ChannelID, m.ID, err)
	}
	return nil
}
