// Package demo loads generated, realistic demo data: invented names, ID numbers and
// credit codes with valid check digits, never real people. Each data set is a Loader
// that runs once per database, in one transaction with its marker row, so loading is
// idempotent and a failure leaves nothing half-loaded.
//
// Generation is deterministic (a fixed seed per data set), so the demo accounts listed
// in the README are the same on every machine.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"hall/internal/services"
	"hall/internal/store"
)

// Deps are the services loaders write through.
type Deps struct {
	*services.Services
}

// Account is a demo login for the README and the start-up log.
type Account struct {
	Kind     string // 个人 or 单位
	Unit     string // unit name, for unit accounts
	Login    string // what goes in the account field
	Person   string
	Role     string
	Password string
}

// Loader is one idempotent demo data set.
type Loader struct {
	Name string
	Seed uint64
	Load func(ctx context.Context, d Deps, tx *store.Tx, g *Gen) error
	// Accounts lists the logins the set creates; it is pure (computed from the same
	// seed), so it can be listed whether or not this run loaded the set.
	Accounts func(g *Gen) []Account
	// Later marks a set that no sign-in depends on (the insurance read model) and that
	// takes seconds to load: `hall serve --demo` loads it after the hall is ready
	// (LoadLater), so a newcomer's hall answers at once.
	Later bool
	// After, when set, runs once the set's transaction has committed, in the call
	// that loaded it: for what cannot run inside that transaction (the development
	// carrier's shipments, written by the delivery service in transactions of its
	// own). A failure is reported; the set stays loaded.
	After func(ctx context.Context, d Deps) error
}

// loaders is the ordered list of data sets. Later sets may rely on earlier ones.
var loaders []Loader

// Summary says what Load did.
type Summary struct {
	Loaded   []string // data sets loaded by this call
	Present  []string // data sets that were already there
	Accounts []Account
}

// Load loads every data set not yet loaded.
func Load(ctx context.Context, d Deps) (Summary, error) {
	return load(ctx, d, func(Loader) bool { return true })
}

// LoadNow loads every data set not yet loaded except those marked Later; LoadLater
// loads those. Together they do what Load does.
func LoadNow(ctx context.Context, d Deps) (Summary, error) {
	return load(ctx, d, func(l Loader) bool { return !l.Later })
}

// LoadLater loads the data sets marked Later that are not yet loaded (see LoadNow).
func LoadLater(ctx context.Context, d Deps) (Summary, error) {
	return load(ctx, d, func(l Loader) bool { return l.Later })
}

func load(ctx context.Context, d Deps, chosen func(Loader) bool) (Summary, error) {
	var sum Summary
	for _, l := range loaders {
		if !chosen(l) {
			continue
		}
		var loaded bool
		err := d.DB.Tx(ctx, func(tx *store.Tx) error {
			var err error
			loaded, err = loadOne(ctx, d, tx, l)
			return err
		})
		if err != nil {
			return sum, fmt.Errorf("demo %s: %w", l.Name, err)
		}
		if loaded && l.After != nil {
			if err := l.After(ctx, d); err != nil {
				return sum, fmt.Errorf("demo %s: after loading: %w", l.Name, err)
			}
		}
		if loaded {
			sum.Loaded = append(sum.Loaded, l.Name)
		} else {
			sum.Present = append(sum.Present, l.Name)
		}
		if l.Accounts != nil {
			sum.Accounts = append(sum.Accounts, l.Accounts(NewGen(l.Seed))...)
		}
	}
	return sum, nil
}

// loadLockKey serializes demo loading across server processes on PostgreSQL
// ("demo").
const loadLockKey = 1684368751

// loadOne loads data set l in tx unless its marker row says it is there, and
// reports whether it loaded it. Several `hall serve --demo` processes may start at
// once on one PostgreSQL database: the advisory lock, held until tx ends, makes the
// second wait for the first's commit and then find the marker, where both would
// otherwise insert the same invented people and one fail to start on their unique
// keys. On SQLite the write transaction (BEGIN IMMEDIATE) already excludes any other.
func loadOne(ctx context.Context, d Deps, tx *store.Tx, l Loader) (bool, error) {
	if tx.Engine() == store.Postgres {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(?)", loadLockKey); err != nil {
			return false, fmt.Errorf("lock: %w", err)
		}
	}
	var n int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM demo_loads WHERE name = ?", l.Name).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if err := l.Load(ctx, d, tx, NewGen(l.Seed)); err != nil {
		return false, err
	}
	_, err := tx.Exec(ctx, "INSERT INTO demo_loads (name, loaded_at) VALUES (?, ?)", l.Name, d.Now().UTC())
	return err == nil, err
}

// Gen generates plausible invented data from a fixed seed.
type Gen struct {
	R *rand.Rand
}

// NewGen returns a generator; the same seed gives the same data.
// #nosec G404 -- demo data must be reproducible from its seed; nothing secret is drawn.
func NewGen(seed uint64) *Gen { return &Gen{R: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }
