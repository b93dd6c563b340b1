package store

import (
	"container/list"
	"context"
	"database/sql"
	"sync"
)

// statements keeps the read pool's SQLite queries prepared, keyed by their text, so that
// a page's look-ups are parsed once per connection instead of on every request (the
// parser was about a sixth of a signed-in page's CPU). PostgreSQL needs none of this:
// pgx keeps its own statement cache on each connection.
//
// Only the read pool uses it, and only outside transactions: database/sql gives a
// statement's connection to one query at a time there, so a statement whose rows are
// still open is never run again underneath them. Inside a transaction a query nested in
// the rows of the same query would run on the same connection and reset those rows.
//
// The cache holds at most max statements and forgets the least recently used one, so
// queries whose text varies (IN lists of varying length) cannot grow it without bound.
// A forgotten statement is closed once no call is between taking it and receiving its
// rows; rows already returned keep it open until they are closed (database/sql closes a
// statement only after its last rows).
// preparedReads bounds the cache: the hall has a few hundred distinct read queries, each
// prepared on up to 8 reader connections.
const preparedReads = 512

type statements struct {
	pool    *sql.DB
	max     int
	mu      sync.Mutex
	byQuery map[string]*list.Element
	recent  *list.List // of *statement, most recently used first
}

type statement struct {
	query     string
	stmt      *sql.Stmt
	users     int  // calls that took the statement and have not yet received their rows
	forgotten bool // removed from the cache: close when users drops to 0
}

func newStatements(pool *sql.DB, max int) *statements {
	return &statements{pool: pool, max: max, byQuery: map[string]*list.Element{}, recent: list.New()}
}

// take returns the prepared statement for q, preparing and caching it if needed, or nil
// when it cannot be prepared: the caller then runs q unprepared, which reports the same
// error a prepared run would have.
func (c *statements) take(ctx context.Context, q string) *statement {
	c.mu.Lock()
	if e, ok := c.byQuery[q]; ok {
		c.recent.MoveToFront(e)
		s := e.Value.(*statement)
		s.users++
		c.mu.Unlock()
		return s
	}
	c.mu.Unlock()

	prepared, err := c.pool.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byQuery[q]; ok {
		// Another call prepared the same query meanwhile: keep that one.
		_ = prepared.Close() // never used; closing an unused statement cannot fail in a way that matters
		c.recent.MoveToFront(e)
		s := e.Value.(*statement)
		s.users++
		return s
	}
	s := &statement{query: q, stmt: prepared, users: 1}
	c.byQuery[q] = c.recent.PushFront(s)
	for c.recent.Len() > c.max {
		oldest := c.recent.Back()
		c.recent.Remove(oldest)
		old := oldest.Value.(*statement)
		delete(c.byQuery, old.query)
		old.forgotten = true
		if old.users == 0 {
			_ = old.stmt.Close() // a cached statement's close only finalizes it on each connection
		}
	}
	return s
}

// give hands s back once its call has its rows (or its error).
func (c *statements) give(s *statement) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.users--
	if s.forgotten && s.users == 0 {
		_ = s.stmt.Close() // as in take
	}
}

// query runs q on the pool through its prepared statement.
func (c *statements) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s := c.take(ctx, q)
	if s == nil {
		return c.pool.QueryContext(ctx, q, args...)
	}
	defer c.give(s)
	return s.stmt.QueryContext(ctx, args...)
}

// queryRow is query for a single row; Scan reports sql.ErrNoRows as DB.QueryRow does.
func (c *statements) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	s := c.take(ctx, q)
	if s == nil {
		return c.pool.QueryRowContext(ctx, q, args...)
	}
	defer c.give(s)
	return s.stmt.QueryRowContext(ctx, args...)
}

// closeAll closes every cached statement; the pool is being closed.
func (c *statements) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.recent.Front(); e != nil; e = e.Next() {
		_ = e.Value.(*statement).stmt.Close() // the pool closes next
	}
	c.recent.Init()
	c.byQuery = map[string]*list.Element{}
}
