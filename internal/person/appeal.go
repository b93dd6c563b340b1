package person

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/sealed"
	"hall/internal/store"
)

// AppealKind says what a user appeal (用户申诉, SPEC B6) is about.
type AppealKind string

const (
	AppealIDTaken     AppealKind = "id_taken"     // my ID number was registered by someone else
	AppealMobileTaken AppealKind = "mobile_taken" // my mobile belongs to another account
	AppealOther       AppealKind = "other"
)

var appealKindLabels = map[AppealKind]string{
	AppealIDTaken:     "证件号码已被注册",
	AppealMobileTaken: "手机号码已被占用",
	AppealOther:       "其他问题",
}

// Label returns the Chinese name of the kind, or "" if unknown.
func (k AppealKind) Label() string { return appealKindLabels[k] }

// AppealStatus is where an appeal stands in the back office.
type AppealStatus string

const (
	AppealOpen   AppealStatus = "open"
	AppealClosed AppealStatus = "closed"
)

// Appeal is a user appeal. FileAppeal reads Kind, IDType, IDNumber, Name,
// Mobile, ContactMobile, Description and ClientAddr and sets the rest.
// Mobile is the number the appeal is about (required for AppealMobileTaken,
// optional otherwise); ContactMobile is where the counter staff reach the
// person.
type Appeal struct {
	ID            int64
	Kind          AppealKind
	IDType        ident.IDType
	IDNumber      string
	Name          string
	Mobile        string
	ContactMobile string
	Description   string
	Status        AppealStatus
	ClientAddr    string
	CreatedAt     time.Time
}

// AppealNumber is the appeal number (申诉编号) shown to the person and to the back
// office: "SS" for 申诉 and the appeal's id, zero-padded to at least 8 digits.
func AppealNumber(id int64) string {
	return fmt.Sprintf("SS%08d", id)
}

// maxDescriptionRunes bounds the free-text part of an appeal.
const maxDescriptionRunes = 500

const (
	msgAppealKind        = "请选择申诉类型"
	msgDescriptionNeeded = "请填写申诉说明"
	msgDescriptionLong   = "申诉说明不能超过500字"
	msgDescriptionChars  = "申诉说明包含无法识别的字符"
)

// FileAppeal validates and stores an appeal for the back office, with the audit
// record "person.appeal" in the same transaction, and returns its id. It does
// not check that the ID or mobile is really taken: that would let the appeal
// form probe accounts, and the counter checks documents anyway. Rate limiting
// (captcha, per-address limits) is the web layer's.
//
// The ID number, name, mobile and contact mobile are sealed (SealAppeal) right after
// the row is inserted, in the same transaction, bound to its id.
//
// Errors: *FormError listing every invalid field; ErrNoKeys; otherwise a database
// or audit failure.
func (s *Service) FileAppeal(ctx context.Context, a Appeal) (int64, error) {
	fe := &FormError{}
	if a.Kind.Label() == "" {
		fe.add(FieldKind, msgAppealKind)
	}
	a.IDType, a.IDNumber = checkIdentity(fe, string(a.IDType), a.IDNumber, s.now())
	a.Name = checkName(fe, a.Name)
	if a.Kind == AppealMobileTaken || strings.TrimSpace(a.Mobile) != "" {
		a.Mobile = checkMobile(fe, FieldMobile, a.Mobile)
	}
	a.ContactMobile = checkMobile(fe, FieldContactMobile, a.ContactMobile)
	a.Description = checkDescription(fe, a.Description, a.Kind == AppealOther)
	if err := fe.orNil(); err != nil {
		return 0, err
	}
	a.Status = AppealOpen
	a.CreatedAt = s.dbNow()
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		keys := tx.Keys()
		if keys == nil {
			return ErrNoKeys
		}
		err := tx.QueryRow(ctx, `INSERT INTO appeals (kind, id_type, id_number, name, mobile,
			contact_mobile, description, status, created_at, client_addr)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			string(a.Kind), string(a.IDType), []byte{}, []byte{}, []byte{}, []byte{},
			a.Description, string(a.Status), a.CreatedAt, a.ClientAddr).Scan(&a.ID)
		if err != nil {
			return err
		}
		v := SealAppeal(keys, a)
		if _, err := tx.Exec(ctx, `UPDATE appeals SET id_number = ?, name = ?, mobile = ?, contact_mobile = ?
			WHERE id = ?`, v.IDNumber, v.Name, v.Mobile, v.ContactMobile, a.ID); err != nil {
			return fmt.Errorf("person: seal the new appeal: %w", err)
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{
			Action:   "person.appeal",
			Target:   "appeal:" + strconv.FormatInt(a.ID, 10),
			Result:   audit.Success,
			ClientIP: a.ClientAddr,
			Detail:   map[string]string{"kind": string(a.Kind), "id_type": string(a.IDType), "id_number": ident.MaskID(a.IDNumber)},
		})
		return err
	})
	if err != nil {
		return 0, err
	}
	return a.ID, nil
}

// An appeal's ID number, name, mobile and contact mobile are sealed at rest
// (internal/sealed, docs/data-protection.md): the appeals table keeps each as a
// sealed value bound to the table, its column and the appeal's id. The back office
// finds appeals by id and status only, so they have no blind index; what reads them
// scans the sealed bytes into a SealedAppeal and opens them.

// Sealed columns of the appeals table.
const (
	AppealColumnIDNumber      = "id_number"
	AppealColumnName          = "name"
	AppealColumnMobile        = "mobile"
	AppealColumnContactMobile = "contact_mobile"
)

// AppealPlace is where the sealed value of an appeals column of appeal id belongs.
func AppealPlace(column string, id int64) sealed.Place {
	return sealed.RowPlace("appeals", column, id)
}

// SealedAppeal receives an appeals row's sealed columns as a query scans them
// (Scan into &v.IDNumber, &v.Name, &v.Mobile, &v.ContactMobile).
type SealedAppeal struct {
	IDNumber, Name, Mobile, ContactMobile []byte
}

// SealAppeal seals a's ID number, name, mobile and contact mobile for its row a.ID.
func SealAppeal(keys *sealed.Keys, a Appeal) SealedAppeal {
	return SealedAppeal{
		IDNumber:      keys.SealString(AppealPlace(AppealColumnIDNumber, a.ID), a.IDNumber),
		Name:          keys.SealString(AppealPlace(AppealColumnName, a.ID), a.Name),
		Mobile:        keys.SealString(AppealPlace(AppealColumnMobile, a.ID), a.Mobile),
		ContactMobile: keys.SealString(AppealPlace(AppealColumnContactMobile, a.ID), a.ContactMobile),
	}
}

// OpenInto opens the sealed values of appeal a.ID into a's IDNumber, Name, Mobile
// and ContactMobile. Errors: ErrNoKeys; sealed's errors (wrapped with the place)
// when a value was sealed under another data key, for another row or column, or
// changed in the database.
func (v SealedAppeal) OpenInto(keys *sealed.Keys, a *Appeal) error {
	if keys == nil {
		return ErrNoKeys
	}
	for _, c := range []struct {
		column string
		value  []byte
		into   *string
	}{
		{AppealColumnIDNumber, v.IDNumber, &a.IDNumber},
		{AppealColumnName, v.Name, &a.Name},
		{AppealColumnMobile, v.Mobile, &a.Mobile},
		{AppealColumnContactMobile, v.ContactMobile, &a.ContactMobile},
	} {
		s, err := keys.OpenString(AppealPlace(c.column, a.ID), c.value)
		if err != nil {
			return err
		}
		*c.into = s
	}
	return nil
}

// checkDescription validates the free text: valid UTF-8, no control characters
// other than line breaks and tabs, at most maxDescriptionRunes. Line breaks are
// stored as "\n".
func checkDescription(fe *FormError, s string, required bool) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if s == "" {
		if required {
			fe.add(FieldDescription, msgDescriptionNeeded)
		}
		return ""
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool {
		return r != '\n' && r != '\t' && (unicode.IsControl(r) || unicode.Is(unicode.Cs, r))
	}) >= 0 {
		fe.add(FieldDescription, msgDescriptionChars)
		return ""
	}
	if utf8.RuneCountInString(s) > maxDescriptionRunes {
		fe.add(FieldDescription, msgDescriptionLong)
		return ""
	}
	return s
}
