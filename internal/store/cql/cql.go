// Package cql is the store.Store backend for ScyllaDB and Apache Cassandra,
// over the CQL native protocol (github.com/apache/cassandra-gocql-driver/v2).
//
// Messages use Discord's schema: partition (channel_id, bucket), clustered
// by message_id descending, plus a channel_buckets table listing each
// channel's non-empty buckets newest first, so a page read walks only
// buckets that hold messages and stops once it has enough. Entities live in
// their own tables, denormalised per query (users_by_name, apps_by_bot,
// channels_by_guild, ...), written together in logged batches so that a
// write the caller sees acknowledged is complete in every table.
//
// No statement binds null: Cassandra turns a null into a tombstone, which
// every later read must skip (Discord's lesson when it moved to ScyllaDB).
// Message inserts leave empty optional columns unset; entity rows, which
// are replaced whole and rarely, write empty values ("" or 0), which are
// ordinary cells.
//
// A Store is safe for concurrent use. Every method is a few prepared
// statements (the driver prepares and caches them), routed token-aware to
// a replica of the partition.
package cql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/accordchat/accord/internal/store"
)

var _ store.Store = (*Store)(nil)

// Config configures a Store. The zero value, with Hosts set, is a
// single-replica keyspace "accord" at LOCAL_QUORUM.
type Config struct {
	// Hosts are contact points, "host" or "host:port" (port 9042 by
	// default). The driver discovers the rest of the cluster from them.
	// Required.
	Hosts []string
	// Keyspace holds Accord's tables; created if missing. Default "accord".
	Keyspace string
	// Replication is the keyspace's replication factor in each data
	// centre, used only when New creates the keyspace. Default 1;
	// production clusters use 3.
	Replication int
	// Consistency of reads and writes. Default gocql.LocalQuorum.
	// Username uniqueness always uses lightweight transactions at
	// LOCAL_SERIAL.
	Consistency gocql.Consistency
	// LocalDC, when set, keeps queries in this data centre (DC-aware
	// routing under token-aware routing). Default: any data centre.
	LocalDC string
	// Timeout bounds each query and each connection attempt. Default 10s.
	Timeout time.Duration
	// NumConns is the number of connections per host. Default 2.
	NumConns int
	// Logger receives the driver's messages (nodes going down and coming
	// back, reconnects) under the group "cql"; nil means slog.Default().
	Logger *slog.Logger
}

var keyspaceName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,47}$`)

func (c *Config) fill() error {
	if len(c.Hosts) == 0 {
		return errors.New("cql: no hosts configured")
	}
	if c.Keyspace == "" {
		c.Keyspace = "accord"
	}
	if !keyspaceName.MatchString(c.Keyspace) {
		return fmt.Errorf("cql: invalid keyspace name %q", c.Keyspace)
	}
	if c.Replication == 0 {
		c.Replication = 1
	}
	if c.Replication < 0 {
		return fmt.Errorf("cql: invalid replication factor %d", c.Replication)
	}
	if c.Consistency == 0 {
		// gocql.Any is 0 and never a sensible default for Accord.
		c.Consistency = gocql.LocalQuorum
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.NumConns <= 0 {
		c.NumConns = 2
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.Logger = c.Logger.WithGroup("cql")
	return nil
}

// Store is a store.Store on a CQL cluster. It is safe for concurrent use.
type Store struct {
	cfg     Config
	session *gocql.Session
	closed  atomic.Bool

	// buckets remembers (channel, bucket) pairs this process has already
	// recorded in channel_buckets, so that only a bucket's first message
	// pays for the extra write. mu guards buckets.
	mu      sync.Mutex
	buckets map[bucketKey]struct{}
}

type bucketKey struct {
	channel int64
	bucket  int32
}

// maxKnownBuckets caps the bucket memo; when full it is simply cleared,
// which costs one redundant (idempotent) write per bucket.
const maxKnownBuckets = 1 << 20

// New connects to the cluster, creates the keyspace and tables if they do
// not exist, and returns a ready Store. It fails with an error naming the
// hosts when none of them answers.
func New(ctx context.Context, cfg Config) (*Store, error) {
	return newStore(ctx, cfg, nil)
}

// newStore is New with an optional query observer (tests count the
// partitions a read touches with it).
func newStore(ctx context.Context, cfg Config, observer gocql.QueryObserver) (*Store, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	if err := createSchema(ctx, cfg); err != nil {
		return nil, err
	}
	cluster := newCluster(cfg)
	cluster.Keyspace = cfg.Keyspace
	cluster.QueryObserver = observer
	session, err := cluster.CreateSession()
	if err != nil {
		return nil, fmt.Errorf("cql: connect to %s: %w", strings.Join(cfg.Hosts, ","), err)
	}
	return &Store{cfg: cfg, session: session, buckets: make(map[bucketKey]struct{})}, nil
}

func newCluster(cfg Config) *gocql.ClusterConfig {
	cluster := gocql.NewCluster(cfg.Hosts...)
	cluster.Consistency = cfg.Consistency
	cluster.SerialConsistency = gocql.LocalSerial
	cluster.Timeout = cfg.Timeout
	cluster.ConnectTimeout = cfg.Timeout
	cluster.NumConns = cfg.NumConns
	fallback := gocql.RoundRobinHostPolicy()
	if cfg.LocalDC != "" {
		fallback = gocql.DCAwareRoundRobinPolicy(cfg.LocalDC)
	}
	// Token-aware: each statement goes straight to a replica of its
	// partition. Shuffling spreads a hot partition's reads over all its
	// replicas instead of always loading the first.
	cluster.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(fallback, gocql.ShuffleReplicas())
	// Every statement Accord issues is idempotent except the lightweight
	// transactions, which opt out; idempotent ones are retried on another
	// replica when a node fails mid-request.
	cluster.DefaultIdempotence = true
	cluster.RetryPolicy = &gocql.SimpleRetryPolicy{NumRetries: 2}
	cluster.ReconnectInterval = time.Second
	cluster.Logger = slogger{cfg.Logger}
	return cluster
}

// Close releases the connections. Later calls return store.ErrClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.session.Close()
	return nil
}

// check returns store.ErrClosed once Close has been called.
func (s *Store) check() error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return nil
}

// wrap adds the operation to err and maps the driver's errors onto the
// store's sentinels.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gocql.ErrNotFound):
		return fmt.Errorf("cql: %s: %w", op, store.ErrNotFound)
	case errors.Is(err, gocql.ErrSessionClosed):
		return fmt.Errorf("cql: %s: %w", op, store.ErrClosed)
	}
	return fmt.Errorf("cql: %s: %w", op, err)
}

func (s *Store) query(stmt string, args ...any) *gocql.Query {
	return s.session.Query(stmt, args...)
}

// exec runs one statement.
func (s *Store) exec(ctx context.Context, op, stmt string, args ...any) error {
	if err := s.check(); err != nil {
		return err
	}
	return wrap(op, s.query(stmt, args...).ExecContext(ctx))
}

// scan reads one row; a missing row is store.ErrNotFound.
func (s *Store) scan(ctx context.Context, op, stmt string, args []any, dest ...any) error {
	if err := s.check(); err != nil {
		return err
	}
	return wrap(op, s.query(stmt, args...).ScanContext(ctx, dest...))
}

// batch runs statements as one logged batch: Cassandra's batchlog makes
// sure all of them are applied once the batch is acknowledged, which keeps
// denormalised tables in step.
type batch struct {
	b *gocql.Batch
}

func (s *Store) newBatch() batch { return batch{s.session.Batch(gocql.LoggedBatch)} }

func (b batch) add(stmt string, args ...any) { b.b.Query(stmt, args...) }

func (s *Store) execBatch(ctx context.Context, op string, b batch) error {
	if err := s.check(); err != nil {
		return err
	}
	return wrap(op, b.b.ExecContext(ctx))
}
