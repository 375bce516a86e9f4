// Package memberlist keeps a guild channel's member list in the order
// Discord's client shows it, and says how each change moves the list.
//
// Members are grouped: online members under their highest hoisted role
// (higher roles first), other online members under "online", everyone
// offline under "offline". Within a group they are ordered by display name
// (case-folded), then by ID. The list a client sees interleaves a group
// header item before each non-empty group's members; indexes in Op and
// Items count those headers, as GUILD_MEMBER_LIST_UPDATE does.
//
// The members are kept in an order-statistic tree (Tree, a B+tree whose
// inner nodes count the keys below each child, with linked leaves), so
// insert, remove, rank and reaching index i cost O(log n); a range of k
// items costs O(log n + k). This is the job Discord's SortedSet NIF (a list
// of 500-item buckets) does for its guild processes; a B+tree gives the
// same contiguous buckets without the linear scan over them.
//
// A List and a Tree are not safe for concurrent use: each is owned by one
// goroutine (a guild actor). Keys and items returned are copies.
package memberlist
