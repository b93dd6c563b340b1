package insurance

import (
	"context"
	"fmt"
	"strings"

	"hall/internal/store"
)

// analyze gathers PostgreSQL's planner statistics of tables inside tx, after a bulk
// load. A freshly filled table has none until autovacuum comes round (a minute or
// more later), and until then PostgreSQL plans as for a handful of rows: the rights
// record's employee list sorted a unit's 100,000 payments per page (1.5 s) where
// the person index reads them in order (0.1 s). ANALYZE inside the loading
// transaction samples the rows it wrote. SQLite's plans do not depend on
// statistics here (the lists name their indexes), so it is left alone.
func analyze(ctx context.Context, tx *store.Tx, tables ...string) error {
	if tx.Engine() != store.Postgres {
		return nil
	}
	if _, err := tx.Exec(ctx, "ANALYZE "+strings.Join(tables, ", ")); err != nil {
		return fmt.Errorf("insurance: analyze: %w", err)
	}
	return nil
}
