package cql

import (
	"context"
	"log/slog"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// slogger passes the driver's log lines (node up/down, reconnects, schema
// events) to a *slog.Logger. Debug lines are dropped unless the logger
// wants them, since the driver logs every connection attempt there.
type slogger struct{ l *slog.Logger }

var _ gocql.StructuredLogger = slogger{}

func (s slogger) log(level slog.Level, msg string, fields []gocql.LogField) {
	if !s.l.Enabled(context.Background(), level) {
		return
	}
	attrs := make([]slog.Attr, len(fields))
	for i, f := range fields {
		attrs[i] = slog.Any(f.Name, f.Value.Any())
	}
	s.l.LogAttrs(context.Background(), level, msg, attrs...)
}

func (s slogger) Error(msg string, fields ...gocql.LogField)   { s.log(slog.LevelError, msg, fields) }
func (s slogger) Warning(msg string, fields ...gocql.LogField) { s.log(slog.LevelWarn, msg, fields) }
func (s slogger) Info(msg string, fields ...gocql.LogField)    { s.log(slog.LevelInfo, msg, fields) }
func (s slogger) Debug(msg string, fields ...gocql.LogField)   { s.log(slog.LevelDebug, msg, fields) }
