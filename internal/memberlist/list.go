package memberlist

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/accordchat/accord/internal/chat"
)

// Tier orders the kinds of group: hoisted roles, then online, then offline.
type Tier uint8

const (
	TierRole Tier = iota
	TierOnline
	TierOffline
)

// Group is one group of the list. Roles are ordered by position, highest
// first, then by ID (Discord breaks position ties by ID).
type Group struct {
	Tier     Tier
	Position int     // the hoisted role's position (TierRole only)
	Role     chat.ID // the hoisted role (TierRole only)
}

// Online and Offline are the groups of members without a hoisted role.
var (
	Online  = Group{Tier: TierOnline}
	Offline = Group{Tier: TierOffline}
)

// ID is the group's id in GUILD_MEMBER_LIST_UPDATE: the role's ID,
// "online" or "offline".
func (g Group) ID() string {
	switch g.Tier {
	case TierRole:
		return strconv.FormatUint(uint64(g.Role), 10)
	case TierOnline:
		return "online"
	default:
		return "offline"
	}
}

// Compare orders groups as the list shows them.
func (g Group) Compare(o Group) int {
	if c := cmp.Compare(g.Tier, o.Tier); c != 0 {
		return c
	}
	if c := cmp.Compare(o.Position, g.Position); c != 0 { // higher first
		return c
	}
	return cmp.Compare(g.Role, o.Role)
}

// Key places a member in the list.
type Key struct {
	Group Group
	Name  string // display name folded with Fold
	ID    chat.ID
}

// Compare orders keys: by group, then name, then ID.
func (k Key) Compare(o Key) int {
	if c := k.Group.Compare(o.Group); c != 0 {
		return c
	}
	if c := strings.Compare(k.Name, o.Name); c != 0 {
		return c
	}
	return cmp.Compare(k.ID, o.ID)
}

// Fold is the form of a display name the list sorts by.
func Fold(name string) string { return strings.ToLower(name) }

// Item is one entry of the list a client sees: a group header (Header,
// with Group and its Count) or a member (Key).
type Item struct {
	Header bool
	Group  Group
	Count  int // members in Group (headers only)
	Key    Key
}

// OpKind is what an Op does to the client's list.
type OpKind uint8

const (
	OpInsert OpKind = iota // Item goes in at Index; later items move down
	OpUpdate               // the item at Index is replaced by Item
	OpDelete               // the item at Index goes; later items move up
)

// Op is one step of a change. A change's ops are applied in order, each to
// the list the previous one left, as Discord's client applies them.
type Op struct {
	Kind  OpKind
	Index int
	Item  Item // not set for OpDelete
}

// entry is a Key as the tree holds it: with the first 8 bytes of the name
// inline, so that most comparisons on the way down decide without reading
// the name's bytes (a cache miss each, in a list of a million).
type entry struct {
	prefix uint64
	key    Key
}

func entryOf(k Key) entry {
	var p uint64
	for i := range 8 {
		p <<= 8
		if i < len(k.Name) {
			p |= uint64(k.Name[i])
		}
	}
	return entry{prefix: p, key: k}
}

// compare orders entries as Key.Compare orders their keys: the prefix
// orders names as strings.Compare does, bytewise, as far as it goes.
func (e entry) compare(o entry) int {
	if c := e.key.Group.Compare(o.key.Group); c != 0 {
		return c
	}
	if c := cmp.Compare(e.prefix, o.prefix); c != 0 {
		return c
	}
	return e.key.Compare(o.key)
}

// GroupCount is a non-empty group and its member count.
type GroupCount struct {
	Group Group
	Count int
}

// List is one member list: its members by ID and their order. Not safe for
// concurrent use.
type List struct {
	tree   *Tree[entry]
	keys   map[chat.ID]Key
	groups []GroupCount // non-empty groups in order; few (hoisted roles + 2)
}

// New returns an empty list.
func New() *List {
	return &List{tree: NewTree(entry.compare), keys: make(map[chat.ID]Key)}
}

// Len is the number of members.
func (l *List) Len() int { return l.tree.Len() }

// Items is the number of items: members and group headers.
func (l *List) Items() int { return l.tree.Len() + len(l.groups) }

// Key returns the key of member id.
func (l *List) Key(id chat.ID) (Key, bool) {
	k, ok := l.keys[id]
	return k, ok
}

// Groups returns the non-empty groups in order with their counts; the
// caller must not modify it.
func (l *List) Groups() []GroupCount { return l.groups }

// Count returns the members in g.
func (l *List) Count(g Group) int {
	if i, ok := l.group(g); ok {
		return l.groups[i].Count
	}
	return 0
}

// group finds g among the non-empty groups (true) or where it would go.
func (l *List) group(g Group) (int, bool) {
	return slices.BinarySearchFunc(l.groups, g, func(gc GroupCount, g Group) int { return gc.Group.Compare(g) })
}

// Index returns the item index of member id.
func (l *List) Index(id chat.ID) (int, bool) {
	k, ok := l.keys[id]
	if !ok {
		return 0, false
	}
	r, _ := l.tree.Rank(entryOf(k))
	gi, _ := l.group(k.Group)
	return r + gi + 1, true // one header per group up to and including its own
}

// Set puts a member at k (moving it if k.ID is already listed) and returns
// the ops that take a client's list from before to after. A member whose
// key did not change, or whose move leaves it at the same index in the
// same group, gets one OpUpdate (its data may have changed).
func (l *List) Set(k Key) []Op {
	old, had := l.keys[k.ID]
	if had && old == k {
		i, _ := l.Index(k.ID)
		return []Op{{Kind: OpUpdate, Index: i, Item: Item{Key: k}}}
	}
	var ops []Op
	if had {
		if old.Group == k.Group {
			// Same group, so no header moves; if it lands where it was,
			// only its data changed.
			gi, _ := l.group(k.Group)
			was, _ := l.tree.Delete(entryOf(old))
			oldIdx := was + gi + 1
			r, _ := l.tree.Insert(entryOf(k))
			l.keys[k.ID] = k
			if idx := r + gi + 1; idx != oldIdx {
				return []Op{{Kind: OpDelete, Index: oldIdx}, {Kind: OpInsert, Index: idx, Item: Item{Key: k}}}
			}
			return []Op{{Kind: OpUpdate, Index: oldIdx, Item: Item{Key: k}}}
		}
		ops = l.remove(old, ops)
	}
	return l.insert(k, ops)
}

// Remove takes member id out of the list and returns the ops; none if it
// was not listed.
func (l *List) Remove(id chat.ID) []Op {
	k, ok := l.keys[id]
	if !ok {
		return nil
	}
	return l.remove(k, nil)
}

func (l *List) remove(k Key, ops []Op) []Op {
	r, _ := l.tree.Delete(entryOf(k)) // its rank, from the same descent
	delete(l.keys, k.ID)
	gi, _ := l.group(k.Group)
	idx := r + gi + 1
	ops = append(ops, Op{Kind: OpDelete, Index: idx})
	if l.groups[gi].Count--; l.groups[gi].Count == 0 {
		l.groups = slices.Delete(l.groups, gi, gi+1)
		ops = append(ops, Op{Kind: OpDelete, Index: idx - 1}) // its header, just before it
	}
	return ops
}

func (l *List) insert(k Key, ops []Op) []Op {
	gi, ok := l.group(k.Group)
	if !ok {
		l.groups = slices.Insert(l.groups, gi, GroupCount{Group: k.Group})
		r, _ := l.tree.Rank(entryOf(k)) // members before the group's first
		ops = append(ops, Op{Kind: OpInsert, Index: r + gi, Item: Item{Header: true, Group: k.Group}})
	}
	l.groups[gi].Count++
	r, _ := l.tree.Insert(entryOf(k))
	l.keys[k.ID] = k
	idx := r + gi + 1
	ops = append(ops, Op{Kind: OpInsert, Index: idx, Item: Item{Key: k}})
	// Headers carry the count as of the change.
	for i := range ops {
		if ops[i].Item.Header {
			ops[i].Item.Count = l.Count(ops[i].Item.Group)
		}
	}
	return ops
}

// Range returns the items at indexes i through j inclusive, clamped to the
// list, appended to dst.
func (l *List) Range(dst []Item, i, j int) []Item {
	if i < 0 {
		i = 0
	}
	if j >= l.Items() {
		j = l.Items() - 1
	}
	if i > j {
		return dst
	}
	// Find the group holding item i: its header is at start, its members
	// follow.
	start, members := 0, 0
	gi := 0
	for ; gi < len(l.groups); gi++ {
		end := start + l.groups[gi].Count // last item of the group
		if i <= end {
			break
		}
		start = end + 1
		members += l.groups[gi].Count
	}
	n := j - i + 1
	if i == start {
		dst = append(dst, l.header(gi))
		n--
	} else {
		members += i - start - 1
	}
	if n == 0 {
		return dst
	}
	cur := l.groups[gi].Group
	l.tree.Ascend(members, func(e entry) bool {
		k := e.key
		if k.Group != cur {
			gi++
			cur = k.Group
			dst = append(dst, l.header(gi))
			if n--; n == 0 {
				return false
			}
		}
		dst = append(dst, Item{Key: k})
		n--
		return n > 0
	})
	return dst
}

func (l *List) header(gi int) Item {
	return Item{Header: true, Group: l.groups[gi].Group, Count: l.groups[gi].Count}
}
