package cql

import (
	"context"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// NewWithObserver is New with a gocql query observer, for tests.
func NewWithObserver(ctx context.Context, cfg Config, observer gocql.QueryObserver) (*Store, error) {
	return newStore(ctx, cfg, observer)
}
