package unit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hall/internal/person"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/store"
)

// The basic information a unit keeps itself (SPEC U2 基本信息 修改): its address and
// its contact. The name, USCC, type and legal representative come from the
// market-regulator registry and change only there (SPEC §1: the legal rep "changes
// only through the registry"), so nothing here writes them.

// Fields of Contact, as forms name them and as ContactErrors keys them.
const (
	FieldAddress      = "address"
	FieldContactName  = "contact_name"
	FieldContactPhone = "contact_phone"
)

// Limits of the contact fields, in characters.
const (
	MaxAddress     = 100
	MinAddress     = 5
	MaxContactName = 30
)

// ErrContactChanged is returned by ChangeContact when the stored contact is no longer
// the one the change was based on: someone else changed it in between, and the
// person must look again rather than overwrite it unseen.
var ErrContactChanged = errors.New("unit: the basic information was changed by someone else")

// ContactErrors is ChangeContact's refusal of the values themselves: a Chinese
// message per field (FieldAddress, …).
type ContactErrors map[string]string

func (e ContactErrors) Error() string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	return "unit: invalid basic information: " + strings.Join(keys, ", ")
}

// Contact is what a unit may change of its basic information.
type Contact struct {
	Address      string
	ContactName  string
	ContactPhone string
}

// ContactOf is u's current contact.
func ContactOf(u Unit) Contact {
	return Contact{Address: u.Address, ContactName: u.ContactName, ContactPhone: u.ContactPhone}
}

// NormalizeContact checks c as typed and returns it cleaned: spaces trimmed and
// runs of spaces folded, full-width digits read as ASCII, a mobile as its 11
// digits and a landline as 区号-号码 (with -分机 when given). Errors: ContactErrors.
func NormalizeContact(c Contact) (Contact, error) {
	errs := ContactErrors{}
	c.Address = strings.Join(strings.Fields(c.Address), " ")
	switch n := utf8.RuneCountInString(c.Address); {
	case n == 0:
		errs[FieldAddress] = "请填写单位地址"
	case n < MinAddress:
		errs[FieldAddress] = fmt.Sprintf("单位地址过短，请填写到门牌号（至少%d个字）", MinAddress)
	case n > MaxAddress:
		errs[FieldAddress] = fmt.Sprintf("单位地址不能超过%d个字", MaxAddress)
	case HasControl(c.Address):
		errs[FieldAddress] = "单位地址含有不能识别的字符"
	}
	c.ContactName = strings.Join(strings.Fields(c.ContactName), " ")
	switch n := utf8.RuneCountInString(c.ContactName); {
	case n == 0:
		errs[FieldContactName] = "请填写联系人姓名"
	case n < 2:
		errs[FieldContactName] = "联系人姓名至少2个字"
	case n > MaxContactName:
		errs[FieldContactName] = fmt.Sprintf("联系人姓名不能超过%d个字", MaxContactName)
	case !NameLike(c.ContactName):
		errs[FieldContactName] = "联系人姓名只能包含汉字、字母、空格和间隔号“·”"
	}
	phone, err := NormalizePhone(c.ContactPhone)
	if err != nil {
		errs[FieldContactPhone] = err.Error()
	}
	c.ContactPhone = phone
	if len(errs) > 0 {
		return c, errs
	}
	return c, nil
}

// HasControl reports whether typed text holds control characters or bytes that are
// not UTF-8.
func HasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }) >= 0
}

// NameLike reports whether s may be a person's name: letters (汉字 or Latin),
// spaces and the middle dots of transliterated names ("阿卜杜·热合曼").
func NameLike(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && r != ' ' && r != '·' && r != '•' && r != '.' {
			return false
		}
	}
	return true
}

// phoneError is NormalizePhone's refusal: its text is the Chinese message.
type phoneError string

func (e phoneError) Error() string { return string(e) }

// NormalizePhone reads a contact telephone: a mainland mobile (ident.NormalizeMobile)
// or a landline of a 3–4 digit area code starting with 0 and a 7–8 digit number,
// written with or without a hyphen or spaces, optionally with an extension after
// "-", "转" or "#" (1–6 digits). It returns "13812345678" or "025-83123456" /
// "025-83123456-801". Errors carry the Chinese message.
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(ident.Fold(s))
	if s == "" {
		return "", phoneError("请填写联系电话")
	}
	if m, err := ident.NormalizeMobile(s); err == nil {
		return m, nil
	}
	bad := phoneError("联系电话格式不正确，请填写11位手机号码或“区号-电话号码”，如 025-83123456")
	ext := ""
	for _, sep := range []string{"转", "#"} {
		if i := strings.Index(s, sep); i >= 0 {
			s, ext = s[:i], s[i+len(sep):]
			break
		}
	}
	s = strings.NewReplacer("(", "", ")", "-", " ", "").Replace(s)
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' })
	if ext == "" && len(parts) == 3 {
		parts, ext = parts[:2], parts[2]
	}
	var area, number string
	switch len(parts) {
	case 1: // 02583123456: the area code is 3 digits for 01x/02x, else 4
		p := parts[0]
		if len(p) < 10 || p[0] != '0' {
			return "", bad
		}
		cut := 4
		if p[1] == '1' || p[1] == '2' {
			cut = 3
		}
		area, number = p[:cut], p[cut:]
	case 2:
		area, number = parts[0], parts[1]
	default:
		return "", bad
	}
	if !digits(area) || !digits(number) || len(area) < 3 || len(area) > 4 || area[0] != '0' ||
		len(number) < 7 || len(number) > 8 || number[0] == '0' {
		return "", bad
	}
	out := area + "-" + number
	if ext = strings.TrimSpace(ext); ext != "" {
		if !digits(ext) || len(ext) > 6 {
			return "", phoneError("分机号应为1至6位数字")
		}
		out += "-" + ext
	}
	return out, nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil && !strings.ContainsAny(s, "+-")
}

// ContactChange is one edit of a unit's basic information: who makes it (for the
// audit log), the values it was based on (Before, as the form showed them) and the
// new ones (After, as typed).
type ContactChange struct {
	UnitID    int64
	PersonID  int64
	Role      Role
	ClientIP  string
	RequestID string
	Before    Contact
	After     Contact
}

// ChangeContact checks and stores change.After as the unit's address and contact,
// and appends an audit entry ("unit.info.change", the fields changed with their
// old and new values; a phone is kept masked) in the same transaction, so there is
// no change without its record. A change that changes nothing writes nothing and
// returns the unit as it is.
//
// The write is conditional on the stored contact still being change.Before: of two
// edits based on the same page, the second is refused with ErrContactChanged
// instead of silently undoing the first.
//
// Errors: ContactErrors for invalid values; ErrNotFound when the unit does not
// exist; ErrContactChanged; otherwise database or audit failures.
func (s *Service) ChangeContact(ctx context.Context, log *audit.Log, change ContactChange) (Unit, error) {
	var u Unit
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		u, err = ChangeContactTx(ctx, tx, log, change, s.now())
		return err
	})
	if err != nil {
		return Unit{}, err
	}
	return u, nil
}

// ChangeContactTx is ChangeContact inside tx, for a change that another step
// makes (the approval of 单位参保信息变更登记); now is the time of the change. Errors:
// as ChangeContact.
func ChangeContactTx(ctx context.Context, tx *store.Tx, log *audit.Log, change ContactChange, now time.Time) (Unit, error) {
	after, err := NormalizeContact(change.After)
	if err != nil {
		return Unit{}, err
	}
	before := change.Before
	detail := map[string]string{}
	note := func(field, old, new string, mask func(string) string) {
		if old == new {
			return
		}
		detail[field+".old"], detail[field+".new"] = mask(old), mask(new)
	}
	same := func(s string) string { return s }
	note(FieldAddress, before.Address, after.Address, same)
	note(FieldContactName, before.ContactName, after.ContactName, same)
	note(FieldContactPhone, before.ContactPhone, after.ContactPhone, MaskPhone)

	u, err := scanUnit(tx.QueryRow(ctx, `SELECT `+unitColumns+` FROM units WHERE id = ?`, change.UnitID))
	if err != nil {
		return Unit{}, err
	}
	if ContactOf(u) != before {
		return Unit{}, ErrContactChanged
	}
	if len(detail) == 0 {
		return u, nil
	}
	res, err := tx.Exec(ctx, `UPDATE units SET address = ?, contact_name = ?, contact_phone = ?, updated_at = ?
		WHERE id = ? AND address = ? AND contact_name = ? AND contact_phone = ?`,
		after.Address, after.ContactName, after.ContactPhone, store.Time(now),
		change.UnitID, before.Address, before.ContactName, before.ContactPhone)
	if err != nil {
		return Unit{}, fmt.Errorf("unit: change contact: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return Unit{}, ErrContactChanged
	}
	u.Address, u.ContactName, u.ContactPhone = after.Address, after.ContactName, after.ContactPhone
	_, err = log.Append(ctx, tx, audit.Entry{PersonID: change.PersonID, UnitID: change.UnitID, Role: string(change.Role),
		Action: "unit.info.change", Target: "unit:" + strconv.FormatInt(change.UnitID, 10), Result: audit.Success,
		ClientIP: change.ClientIP, RequestID: change.RequestID, Detail: detail})
	if err != nil {
		return Unit{}, err
	}
	return u, nil
}

// MaskPhone masks a contact telephone for pages and logs: a mobile as 138****1234,
// a landline but its area code and last four digits.
func MaskPhone(p string) string {
	if p == "" {
		return ""
	}
	if !strings.Contains(p, "-") {
		return ident.MaskMobile(p)
	}
	area, rest, _ := strings.Cut(p, "-")
	return area + "-" + ident.MaskMobile(rest)
}

// LegalRepresentative is the unit's legal rep as the hall knows the person (SPEC U2
// shows it, locked).
type LegalRepresentative struct {
	Name     string
	IDType   string
	IDNumber string
}

// LegalRep returns the unit's current legal representative, or ErrNotFound when it
// has none (a unit whose legal rep changed in the registry and is not yet taken over).
func (s *Service) LegalRep(ctx context.Context, unitID int64) (LegalRepresentative, error) {
	var r LegalRepresentative
	var personID int64
	var sealed person.SealedIdentity
	err := s.db.QueryRow(ctx, `SELECT p.id, p.name, p.id_type, p.id_number FROM memberships m JOIN persons p ON p.id = m.person_id
		WHERE m.unit_id = ? AND m.role = 'legal_rep' AND m.status <> 'revoked'`, unitID).
		Scan(&personID, &sealed.Name, &r.IDType, &sealed.IDNumber)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, err
	}
	opened, err := sealed.Open(s.db.Keys(), personID)
	if err != nil {
		return r, fmt.Errorf("unit: legal representative: %w", err)
	}
	r.Name, r.IDNumber = opened.Name, opened.IDNumber
	return r, nil
}
