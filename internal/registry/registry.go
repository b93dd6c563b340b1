package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"hall/internal/ident"
)

// Registry answers which unit a USCC names.
type Registry interface {
	// Lookup returns the registered unit with the given USCC (raw form input is
	// fine: it is normalised first). It returns ErrNotFound when the registry has
	// no such unit, including when uscc is not a well-formed USCC, and an error
	// wrapping ErrUnavailable when the registry cannot answer now; callers must
	// then ask the person to try later, not say that the unit does not exist.
	Lookup(ctx context.Context, uscc string) (Entry, error)
}

var (
	// ErrNotFound means the registry has no unit with that USCC.
	ErrNotFound = errors.New("registry: unit not found")
	// ErrUnavailable means the registry could not be asked or did not answer
	// usefully; the wrapped error says why, for the log.
	ErrUnavailable = errors.New("registry: unavailable")
	// ErrInvalidEntry wraps the *ident.FieldError of an entry that Upsert refuses.
	ErrInvalidEntry = errors.New("registry: invalid entry")
	// ErrInvalidFile means an import file had bad lines (listed in the Report);
	// nothing was loaded.
	ErrInvalidFile = errors.New("registry: import file has errors, nothing was loaded")
)

// Entry is one unit as the registry records it. Entries coming out of this package
// are normalised: USCC and ID number upper-case and half-width, text trimmed.
type Entry struct {
	USCC             string
	Name             string // 单位名称, the full registered name
	UnitType         UnitType
	LegalRepIDType   ident.IDType
	LegalRepIDNumber string
	LegalRepName     string
	RegisteredAt     time.Time // 成立日期: a civil date at 00:00 UTC; compare dates
	Address          string    // 住所, may be empty
	Region           string    // six-digit administrative division code
	Status           Status
	// UpdatedAt is when the registry last changed the entry. Table sets it when an
	// Upsert inserts or changes the row; HTTP passes on what the registry says
	// (zero when it says nothing).
	UpdatedAt time.Time
}

// Active reports whether the unit is in business (存续), the only status under which
// it may register online.
func (e Entry) Active() bool { return e.Status == StatusActive }

// LogValue keeps the legal representative's personal data out of logs (SPEC §2).
func (e Entry) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("uscc", e.USCC),
		slog.String("unit_type", string(e.UnitType)),
		slog.String("status", string(e.Status)),
		slog.String("legal_rep_id", ident.MaskID(e.LegalRepIDNumber)),
		slog.String("legal_rep_name", ident.MaskName(e.LegalRepName)),
	)
}

// String is masked like LogValue, so that printing an Entry by accident with %v
// does not leak the legal representative's ID number.
func (e Entry) String() string {
	return fmt.Sprintf("{%s %s %s %s 法定代表人=%s %s}", e.USCC, e.Name, e.UnitType.Label(),
		e.Status.Label(), ident.MaskName(e.LegalRepName), ident.MaskID(e.LegalRepIDNumber))
}

// sameContent reports whether a and b record the same facts, ignoring UpdatedAt,
// so that re-importing a file does not touch unchanged rows.
func sameContent(a, b Entry) bool {
	return a.USCC == b.USCC && a.Name == b.Name && a.UnitType == b.UnitType &&
		a.LegalRepIDType == b.LegalRepIDType && a.LegalRepIDNumber == b.LegalRepIDNumber &&
		a.LegalRepName == b.LegalRepName && a.RegisteredAt.Equal(b.RegisteredAt) &&
		a.Address == b.Address && a.Region == b.Region && a.Status == b.Status
}
