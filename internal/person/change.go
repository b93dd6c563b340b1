package person

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/store"
)

// Changes a signed-in person makes to their own account (SPEC U9 账户信息, the
// personal center): a new password, a new mobile. Both ask the person to prove
// again that they hold the account (QUALITY.md: re-authentication before changing
// mobile or password). How that proof is checked is the caller's (Reauth): the web
// layer counts the attempt in the throttle and, in a unit session of an admin or
// agent, checks the unit password rather than the personal one. This package only
// decides when in the change the proof is asked for: after the form is found
// complete, before anything is consumed or written.

// Form fields of the password and mobile changes.
const (
	FieldCurrentPassword = "current_password"
	FieldNewPassword     = "new_password"
	FieldOldCode         = "old_code"
	FieldNewMobile       = "new_mobile"
	FieldNewCode         = "new_code"
)

// SMS code purposes of a mobile change: one code to the number on the account, one
// to the new number.
const (
	PurposeMobileOld = "mobile-old"
	PurposeMobileNew = "mobile-new"
)

// Messages of the change forms. MsgCurrentWrong is the caller's to show beside
// FieldCurrentPassword when Reauth refuses.
// #nosec G101 -- user-facing messages about passwords, not credentials.
const (
	MsgCurrentWrong       = "当前密码错误"
	msgCurrentMissing     = "请输入当前密码"
	msgNewPasswordMissing = "请输入新密码"
	msgNewSameAsCurrent   = "新密码不能与当前密码相同"
	msgNewConfirmMissing  = "请再次输入新密码"
	msgNewConfirmMismatch = "两次输入的新密码不一致"
	msgNewMobileMissing   = "请输入新手机号码"
	msgNewMobileSame      = "新手机号码与原手机号码相同，无需修改"
)

// Reauth checks the current password the person typed. It returns nil when it is
// right, ErrBadCredentials when it is wrong (or the account is locked: the caller
// answers both alike), or any other error, which the change returns as it is.
type Reauth func(ctx context.Context, current string) error

// SessionEnder ends sessions inside the caller's transaction (auth.Sessions does).
// unitID nil means every session of the person.
type SessionEnder interface {
	EndAllTx(ctx context.Context, tx *store.Tx, personID int64, unitID *int64) (int, error)
}

// PersonalSessionEnder ends, inside the caller's transaction, the sessions the
// person's own password answers for: as themselves and for units, not as an
// institution's operator, which the institution's password answers for
// (auth.Sessions does).
type PersonalSessionEnder interface {
	EndPersonalTx(ctx context.Context, tx *store.Tx, personID int64) (int, error)
}

// Actor says who makes a change and from where, for the audit record. UnitID and
// Role are set when the person acts in a unit session.
type Actor struct {
	UnitID     int64
	Role       string
	ClientAddr string
	RequestID  string
}

func (a Actor) entry(personID int64, action string, detail map[string]string) audit.Entry {
	return audit.Entry{PersonID: personID, UnitID: a.UnitID, Role: a.Role, Action: action,
		Target: "person:" + strconv.FormatInt(personID, 10), Result: audit.Success,
		ClientIP: a.ClientAddr, RequestID: a.RequestID, Detail: detail}
}

// PasswordChange is the 修改密码 form of a personal account password.
type PasswordChange struct {
	PersonID int64
	Current  string // re-authentication, checked by Reauth
	New      string
	Confirm  string
	// ContextWords are refused inside the new password besides the person's ID
	// number and mobile (the unit's USCC when a legal rep changes it).
	ContextWords []string
	Reauth       Reauth
	// Sessions ends the person's sessions the password answers for in the
	// change's transaction; the caller then gives the browser that made the
	// change a new one.
	Sessions PersonalSessionEnder
	Actor    Actor
}

// PasswordChanged is what a password change stored: the new password's hash, for
// the browser that made the change to be signed in again with it (auth.NewVerified:
// if another writer — a reset, a recovery, a second change — replaces it before
// that, the sign-in is refused), and how many sessions it ended.
type PasswordChanged struct {
	Hash          string
	SessionsEnded int
}

// ChangePassword sets a new account password for a signed-in person.
//
// Order, and why: every field is checked first (all problems at once, the current
// password only for presence and for being equal to the new one), so that a
// mistyped confirmation costs no re-authentication attempt; then Reauth; then the
// new password is hashed outside the transaction; then one transaction writes it,
// ends the person's sessions as themselves and for units (so a session stolen
// before the change dies with the old password; an institution session rests on
// the institution's password and stays) and appends "person.password.change".
//
// Errors: *FormError (nothing was checked or written); Reauth's error as it is;
// ErrNotFound; ErrBusy from the hasher; otherwise database or audit failures.
func (s *Service) ChangePassword(ctx context.Context, c PasswordChange) (PasswordChanged, error) {
	if c.Reauth == nil || c.Sessions == nil {
		return PasswordChanged{}, errors.New("person: ChangePassword needs Reauth and Sessions")
	}
	p, err := s.Get(ctx, c.PersonID)
	if err != nil {
		return PasswordChanged{}, err
	}
	if err := s.checkNewPassword(c.Current, c.New, c.Confirm, append([]string{p.IDNumber, p.Mobile}, c.ContextWords...)); err != nil {
		return PasswordChanged{}, err
	}
	if err := c.Reauth(ctx, c.Current); err != nil {
		return PasswordChanged{}, err
	}
	hash, err := s.hasher.Hash(ctx, c.New)
	if err != nil {
		return PasswordChanged{}, err
	}
	now := s.dbNow()
	var ended int
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE persons SET password_hash = ?, password_changed_at = ?,
			must_change_password = ?, updated_at = ? WHERE id = ?`, hash, now, false, now, p.ID)
		if err != nil {
			return fmt.Errorf("person: change password: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return ErrNotFound
		}
		if ended, err = c.Sessions.EndPersonalTx(ctx, tx, p.ID); err != nil {
			return err
		}
		_, err = s.audit.Append(ctx, tx, c.Actor.entry(p.ID, "person.password.change",
			map[string]string{"sessions_ended": strconv.Itoa(ended)}))
		return err
	})
	if err != nil {
		return PasswordChanged{}, err
	}
	return PasswordChanged{Hash: hash, SessionsEnded: ended}, nil
}

// CheckNewPassword is the field check of a password change form, shared with the
// unit password (internal/unit): current present, new present, within the policy
// (contextWords refused inside it) and different from current, confirmation equal.
// It returns a *FormError with every problem, or nil.
func (s *Service) CheckNewPassword(current, newPassword, confirm string, contextWords ...string) error {
	return s.checkNewPassword(current, newPassword, confirm, contextWords)
}

func (s *Service) checkNewPassword(current, newPassword, confirm string, contextWords []string) error {
	fe := &FormError{}
	if current == "" {
		fe.add(FieldCurrentPassword, msgCurrentMissing)
	}
	switch {
	case newPassword == "":
		fe.add(FieldNewPassword, msgNewPasswordMissing)
	case newPassword == current:
		// Compared as typed: nothing is learnt about the stored password.
		fe.add(FieldNewPassword, msgNewSameAsCurrent)
	default:
		if err := s.policy.Check(newPassword, contextWords...); err != nil {
			fe.add(FieldNewPassword, fieldMsg(err))
		}
	}
	switch {
	case confirm == "":
		fe.add(FieldConfirm, msgNewConfirmMissing)
	case confirm != newPassword:
		fe.add(FieldConfirm, msgNewConfirmMismatch)
	}
	return fe.orNil()
}

// CheckNewMobile checks the new number of a mobile change before a code is sent
// to it: present, well formed and not the account's current number (current, as
// stored). It returns the number normalised, or a *FormError on FieldNewMobile.
func CheckNewMobile(current, raw string) (string, error) {
	fe := &FormError{}
	m := ""
	if strings.TrimSpace(raw) == "" {
		fe.add(FieldNewMobile, msgNewMobileMissing)
	} else if m = checkMobile(fe, FieldNewMobile, raw); m != "" && m == current {
		fe.add(FieldNewMobile, msgNewMobileSame)
	}
	if err := fe.orNil(); err != nil {
		return "", err
	}
	return m, nil
}

// MobileChange is the 修改手机号 form.
type MobileChange struct {
	PersonID  int64
	Current   string // re-authentication, checked by Reauth
	OldCode   string // sent to the mobile on the account (PurposeMobileOld)
	NewMobile string
	NewCode   string // sent to NewMobile (PurposeMobileNew)
	// Binding is the browser binding both codes were sent to.
	Binding string
	Reauth  Reauth
	Actor   Actor
}

// ChangeMobile moves a signed-in person's account to a new mobile, proved by one
// SMS code to the old number and one to the new (SPEC U9).
//
// Order, and why: every field is checked first; then Reauth, before any code is
// looked at, so a wrong password does not cost the person their codes; then the
// old number's code, then the new number's, verified without being spent (a wrong
// one counts against its flow at once); then, as at registration, whether the new
// mobile belongs to another account is said only to whoever proved they hold it;
// last one transaction re-reads the account (a concurrent change of the mobile
// wins and this one is refused), spends both codes, writes the mobile and appends
// "person.mobile.change". The codes are used exactly when the mobile changed: a
// refused second code, a taken number, a failed write or a crash leaves both
// usable. The unique index persons_mobile_key decides between two people racing
// for one number.
//
// Errors: *FormError (a field, a refused code, or one matching ErrMobileTaken);
// Reauth's error as it is; ErrNotFound; ctx's error; otherwise database or audit
// failures.
func (s *Service) ChangeMobile(ctx context.Context, c MobileChange) (Person, error) {
	if c.Reauth == nil {
		return Person{}, errors.New("person: ChangeMobile needs Reauth")
	}
	p, err := s.Get(ctx, c.PersonID)
	if err != nil {
		return Person{}, err
	}
	fe := &FormError{}
	if c.Current == "" {
		fe.add(FieldCurrentPassword, msgCurrentMissing)
	}
	oldCode, ok := normalizeCode(c.OldCode)
	if !ok {
		fe.add(FieldOldCode, msgSMSCodeFormat)
	}
	newMobile, err := CheckNewMobile(p.Mobile, c.NewMobile)
	var mfe *FormError
	if errors.As(err, &mfe) {
		fe.add(FieldNewMobile, mfe.Fields[FieldNewMobile])
	}
	newCode, ok := normalizeCode(c.NewCode)
	if !ok {
		fe.add(FieldNewCode, msgSMSCodeFormat)
	}
	if err := fe.orNil(); err != nil {
		return Person{}, err
	}
	if err := c.Reauth(ctx, c.Current); err != nil {
		return Person{}, err
	}
	codes := []struct{ purpose, mobile, code, field string }{
		{PurposeMobileOld, p.Mobile, oldCode, FieldOldCode},
		{PurposeMobileNew, newMobile, newCode, FieldNewCode},
	}
	for _, code := range codes {
		if err := s.codes.Verify(ctx, code.purpose, c.Binding, code.mobile, code.code); err != nil {
			return Person{}, codeRefused(ctx, code.field, err)
		}
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		var sealedMobile []byte
		if err := tx.QueryRow(ctx, "SELECT mobile FROM persons WHERE id = ?", p.ID).Scan(&sealedMobile); err != nil {
			return fmt.Errorf("person: change mobile: %w", store.NotFound(err))
		}
		mobile, err := Open(tx.Keys(), ColumnMobile, p.ID, sealedMobile)
		if err != nil {
			return fmt.Errorf("person: change mobile: %w", err)
		}
		if mobile != p.Mobile {
			// Changed by another request since the codes were sent: the old code
			// proved a number the account no longer has.
			return &FormError{Fields: map[string]string{FieldOldCode: msgSMSCodeRefused}}
		}
		var others int
		match, args := MobileMatch(tx.Keys(), "", newMobile)
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM persons WHERE "+match+" AND id <> ?", append(args, p.ID)...).Scan(&others); err != nil {
			return fmt.Errorf("person: change mobile: %w", err)
		}
		if others > 0 {
			return mobileTaken()
		}
		for _, code := range codes {
			// Spent by a concurrent submission of the same form since verified.
			if err := s.codes.CheckTx(ctx, tx, code.purpose, c.Binding, code.mobile, code.code); err != nil {
				return &codeRefusal{code.field, err}
			}
		}
		now := s.dbNow()
		if _, err := tx.Exec(ctx, "UPDATE persons SET mobile = ?, mobile_index = ?, updated_at = ? WHERE id = ?",
			tx.Keys().SealString(Place(ColumnMobile, p.ID), newMobile), MobileIndex(tx.Keys(), newMobile), now, p.ID); err != nil {
			if store.IsUniqueViolation(err) {
				return mobileTaken()
			}
			return fmt.Errorf("person: change mobile: %w", err)
		}
		_, err = s.audit.Append(ctx, tx, c.Actor.entry(p.ID, "person.mobile.change",
			map[string]string{"old_mobile": ident.MaskMobile(p.Mobile), "new_mobile": ident.MaskMobile(newMobile)}))
		p.Mobile, p.UpdatedAt = newMobile, now
		return err
	})
	var refused *codeRefusal
	switch {
	case errors.As(err, &refused):
		return Person{}, codeRefused(ctx, refused.field, refused.err)
	case errors.Is(err, store.ErrNotFound):
		return Person{}, ErrNotFound
	case err != nil:
		return Person{}, err
	}
	return p, nil
}

// mobileTaken is the FormError of a new mobile that belongs to another person,
// beside the new-mobile field.
func mobileTaken() *FormError {
	return &FormError{Fields: map[string]string{FieldNewMobile: MsgMobileTaken}, taken: takenMobile}
}
