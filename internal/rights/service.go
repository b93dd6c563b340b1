package rights

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/rights/pdfdoc"
	"hall/internal/store"
)

// ItemCode is the catalog item (cases.Builtin) that covers producing a record:
// 单位权益单查询打印. An agent needs a grant for it; the web layer checks that with
// delegation's Authorize before calling Issue.
const ItemCode = "SB-007"

// Errors of the Service. Refused form input is a *FormError.
var (
	// ErrNotFound: no record with that verify ID, no such record of that unit, or
	// no such unit.
	ErrNotFound = errors.New("rights: not found")
	// ErrNotMember: the acting person holds no active role in the unit.
	ErrNotMember = errors.New("rights: the person does not act for this unit")
	// ErrFileRemoved: the record exists, but its signed PDF was deleted when its
	// keeping time ran out (Rules.FileKeepMonths, SweepFiles).
	ErrFileRemoved = errors.New("rights: the record's file is no longer kept")
)

// Defaults of Config.
const (
	DefaultTitle   = "社会保险权益记录单(参保单位)"
	DefaultAppName = "智慧人社APP"
)

// Config is what the records say and where their QR codes lead.
type Config struct {
	BaseURL    string // the hall's public URL; the QR code links to BaseURL/verify/{id}
	BureauName string // the issuer, and the name on the seal
	AppName    string // the companion app note 4 names (DefaultAppName)
	Title      string // DefaultTitle
	Rules      Rules  // DefaultRules when zero
	// Builds is how many records the process builds at once (the number of
	// cores when zero); BuildWait how long a further one waits for a slot before
	// Issue answers ErrBusy (DefaultBuildWait when zero).
	Builds    int
	BuildWait time.Duration
}

// Deps are the Service's collaborators. Font is parsed once (pdfdoc.LoadFont) and
// shared by every record; Signer holds the bureau's signing key (loaded by internal/ca).
type Deps struct {
	DB        *store.DB
	Insurance *insurance.Store
	Audit     *audit.Log
	Font      *pdfdoc.Font
	Signer    Signer
	Now       func() time.Time // time.Now when nil
}

// Service issues rights records, lists a unit's records and verifies them.
type Service struct {
	db        *store.DB
	insurance *insurance.Store
	audit     *audit.Log
	font      *pdfdoc.Font
	signer    Signer
	now       func() time.Time
	cfg       Config
	builds    buildLimit
}

// New returns the service. Errors: a missing dependency, an empty BaseURL or
// BureauName, or (wrapping ErrSigner) a signer that cannot sign now.
func New(d Deps, cfg Config) (*Service, error) {
	if d.DB == nil || d.Insurance == nil || d.Audit == nil || d.Font == nil {
		return nil, errors.New("rights: missing dependency")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.BaseURL == "" || strings.TrimSpace(cfg.BureauName) == "" {
		return nil, errors.New("rights: BaseURL and BureauName are required")
	}
	if cfg.AppName == "" {
		cfg.AppName = DefaultAppName
	}
	if cfg.Title == "" {
		cfg.Title = DefaultTitle
	}
	if cfg.Rules == (Rules{}) {
		cfg.Rules = DefaultRules
	}
	if cfg.Rules.MaxMonths < 1 || cfg.Rules.ValidMonths < 1 || cfg.Rules.FileKeepMonths < 0 {
		return nil, errors.New("rights: Rules.MaxMonths and ValidMonths must be at least 1, FileKeepMonths at least 0")
	}
	if err := d.Signer.check(d.Now()); err != nil {
		return nil, err
	}
	return &Service{db: d.DB, insurance: d.Insurance, audit: d.Audit, font: d.Font, signer: d.Signer,
		now: d.Now, cfg: cfg, builds: newBuildLimit(cfg.Builds, cfg.BuildWait)}, nil
}

// Notes are the seed's four notes (说明) as the record prints them: word for word,
// but for the validity, which is the configured ValidMonths, and the app, which is
// the configured brand rather than the seed's province's.
func (s *Service) Notes() []string {
	return []string{
		"1. 本权益单涉及单位及参保职工个人信息,单位应妥善保管。",
		"2. 本权益单为打印时参保情况。",
		"3. 本权益单已签具电子印章,不再加盖鲜章。",
		fmt.Sprintf("4. 本权益单记录单出具后有效期内(%d个月),如需核对真伪,请使用%s,扫描右上方二维码进行验证(可多次验证)。",
			s.cfg.Rules.ValidMonths, s.cfg.AppName),
	}
}

// Rules are the service's rules, for the form's hints (the longest period).
func (s *Service) Rules() Rules { return s.cfg.Rules }

// Types returns the insurance types the unit with this USCC may choose
// (AllowedTypes of its enrolments). Errors: database failures.
func (s *Service) Types(ctx context.Context, uscc string) ([]insurance.Type, error) {
	res, err := s.insurance.Enrolments(ctx, insurance.Query{USCC: uscc, Page: insurance.Page{Limit: insurance.MaxLimit}})
	if err != nil {
		return nil, err
	}
	return AllowedTypes(res.Rows), nil
}

// Actor is the person producing a record, with the request's context for the
// audit log. The role is not taken from the caller: Issue reads the person's
// active membership in the unit.
type Actor struct {
	PersonID  int64
	ClientIP  string
	RequestID string
}

// Form is the U3 form as submitted: YYYY-MM months and insurance.Type codes.
type Form struct {
	From, To string
	Types    []string
}

// TypeCount is the number of persons who paid to one insurance type in the period.
type TypeCount struct {
	Type    insurance.Type
	Persons int
}

// Record is an issued rights record.
type Record struct {
	ID           int64
	UnitID       int64
	USCC         string
	UnitName     string
	InsuredPlace string
	From, To     insurance.Month
	Counts       []TypeCount // per chosen type, in page order
	Employees    int         // rows of the employee list
	Pages        int
	SHA256       string // hex, of the signed PDF
	Size         int    // bytes of the signed PDF
	IssuedAt     time.Time
	ValidUntil   time.Time
	// FileRemovedAt is when SweepFiles deleted the signed PDF (zero while it is
	// kept): the record stays and verifies, but File has nothing to send.
	FileRemovedAt time.Time
	PersonID      int64  // who produced it
	IssuerName    string // their name (List and File only; mask it for display)
	MembershipID  int64
	Role          string
	// VerifyURL is the QR code's link; only Issue returns it (the database keeps a
	// hash of its ID, not the link).
	VerifyURL string
}

// FileKept reports whether the signed PDF is still kept for download.
func (r Record) FileKept() bool { return r.FileRemovedAt.IsZero() }

// placeName is the insured place of a unit in a region: province, city and county
// for the regions the hall knows by name, else the province and the code.
func placeName(region string) string {
	province, ok := ident.ProvinceName(region)
	if !ok {
		return region
	}
	for _, r := range ident.JiangsuCounties() {
		if r.Code == region {
			city, _ := ident.CityName(region)
			return province + city + r.Name
		}
	}
	return province + "（行政区划代码 " + region + "）"
}

// sum is the hex SHA-256 of b.
func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// encodeCounts and decodeCounts are the stored form of Record.Counts:
// "pension=2961,injury=2961".
func encodeCounts(c []TypeCount) string {
	parts := make([]string, len(c))
	for i, tc := range c {
		parts[i] = fmt.Sprintf("%s=%d", tc.Type, tc.Persons)
	}
	return strings.Join(parts, ",")
}

func decodeCounts(s string) ([]TypeCount, error) {
	var out []TypeCount
	for part := range strings.SplitSeq(s, ",") {
		var tc TypeCount
		name, n, ok := strings.Cut(part, "=")
		if _, err := fmt.Sscan(n, &tc.Persons); !ok || err != nil {
			return nil, fmt.Errorf("rights: stored counts %q", s)
		}
		tc.Type = insurance.Type(name)
		out = append(out, tc)
	}
	return out, nil
}
