package upgrade

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"hall/internal/chinatime"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/legacy"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/verify"
)

// Result is a finished upgrade.
type Result struct {
	Unit  unit.Unit
	Admin person.Person
	// Receipt is the ID of the receipt flow for the 完成升级 page, "" when it could not
	// be saved (the upgrade stands; show Unit directly).
	Receipt string
	// NoticeErr is why the administrator's notice was not sent at once:
	// ErrNoticeDelayed (it is queued and retried), or a database failure around
	// its delivery. The upgrade stands; the caller logs it.
	NoticeErr error
	notice    int64 // the queued notice (Texts.QueueText), 0 without Texts
}

// Verified finishes the upgrade once the nominee's verification session has passed:
// in one transaction it consumes the passed result (it must be the nominee's, for
// this purpose), opens the unit's account with the registry's facts, records the
// nominee as its active administrator with the unit password set at the admin step
// (and the registry's legal rep as legal rep when that person has an account), marks
// the legacy account upgraded, completes the flow and appends the audit record
// "unit.upgrade". After commit the administrator gets an SMS and a receipt is saved
// for the 完成升级 page.
//
// Errors: ErrPending while the nominee has not finished; ErrVerification when the
// session failed, expired, was used up or verified someone else (the page offers
// RestartVerification); *FormError in Top when the unit got an online account
// meanwhile (MsgUnitTaken), the legacy account was upgraded meanwhile
// (MsgUpgraded), or the registry, asked again, no longer lists the unit as in
// business (MsgRegistryNotFound, MsgRegistryInactive) or cannot answer
// (MsgRegistryUnavailable); ErrStep when the flow is not at the verify step; ErrNotFound,
// ErrExpired, ErrCompleted (also for a second Verified); otherwise database or audit
// failures, after which nothing was written.
func (s *Service) Verified(ctx context.Context, flowID, binding, clientAddr string) (Result, error) {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return Result{}, err
	}
	if f.Step != StepVerify {
		return Result{}, ErrStep
	}
	// The registry is asked again, once the verification has passed: the unit may
	// have been deregistered or got a new legal rep since step 1, and the account
	// opens as it stands now. A refusal here leaves the verification unspent, to
	// finish once the registry answers.
	if sess, err := s.d.Verify.Status(ctx, st.Session, f.ID); err == nil && sess.Status == verify.Pending {
		return Result{}, ErrPending
	}
	e, err := s.inBusiness(ctx, st.USCC)
	if err != nil {
		return Result{}, err
	}
	st.Facts = e.Facts() // the unit as it stands now
	var res Result
	var mismatch bool
	err = s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		sess, err := s.d.Verify.Consume(ctx, tx, st.Session, f.ID)
		if err != nil {
			return err
		}
		if sess.Purpose != verify.PurposeUpgrade || !sess.Expected.Same(st.admin()) {
			mismatch = true
			return nil // spent all the same: it can never finish this flow
		}
		res, err = s.open(ctx, tx, f.ID, st, clientAddr)
		if err != nil {
			return err
		}
		// The administrator's notice is queued with the upgrade, so that a
		// gateway down at this moment delays it instead of losing it.
		if s.d.Texts != nil {
			text := noticeText(s.d.Sign, res.Unit.Name, res.Unit.UnitNumber, s.d.Now())
			if res.notice, err = s.d.Texts.QueueText(ctx, tx, res.Admin.ID, purposeNotice, text); err != nil {
				return err
			}
		}
		// The password's hash has served: it does not stay in the flow's data
		// until the sweep.
		done := st
		done.PasswordHash = ""
		if err := s.d.Flows.AdvanceTx(ctx, tx, f, StepVerify, StepVerify, done); err != nil {
			return err
		}
		return s.d.Flows.Complete(ctx, tx, f, StepVerify)
	})
	switch {
	case errors.Is(err, verify.ErrPending):
		return Result{}, ErrPending
	case errors.Is(err, verify.ErrFailed), errors.Is(err, verify.ErrExpired), errors.Is(err, verify.ErrNotFound),
		errors.Is(err, verify.ErrUsed):
		return Result{}, ErrVerification
	case errors.Is(err, unit.ErrUSCCTaken):
		return Result{}, &FormError{Top: MsgUnitTaken}
	case errors.Is(err, legacy.ErrUpgraded):
		return Result{}, &FormError{Top: MsgUpgraded}
	case store.IsUniqueViolation(err):
		// PostgreSQL: a racing registration's unit row.
		if ferr := s.unitFree(ctx, st.USCC); ferr != nil {
			return Result{}, ferr
		}
		return Result{}, err
	case err != nil:
		return Result{}, flowErr(err)
	case mismatch:
		return Result{}, ErrVerification
	}
	res.NoticeErr = s.notify(ctx, res)
	rc := Receipt{UnitName: res.Unit.Name, USCC: res.Unit.USCC, UnitNumber: res.Unit.UnitNumber,
		Admin: ident.MaskName(res.Admin.Name), AdminMobile: res.Admin.MaskedMobile()}
	res.Receipt = s.d.Flows.SaveReceipt(ctx, KindReceipt, binding, rc, ReceiptTTL)
	return res, nil
}

// open writes the upgrade inside tx: the unit, its memberships, the legacy account's
// new state and the audit record.
func (s *Service) open(ctx context.Context, tx *store.Tx, flowID string, st state, clientAddr string) (Result, error) {
	admin, err := s.d.Persons.Get(ctx, st.AdminID)
	if err != nil {
		return Result{}, err
	}
	var legalRepID int64
	switch rep, err := s.d.Persons.ByIdentityTx(ctx, tx, string(st.LegalRepIDType), st.LegalRepIDNumber); {
	case err == nil:
		legalRepID = rep.ID
	case !errors.Is(err, person.ErrNotFound):
		return Result{}, err
	}
	u, err := s.d.Units.Create(ctx, tx, unit.NewUnit{USCC: st.USCC, Name: st.UnitName, UnitType: st.UnitType,
		Region: st.Region, Address: st.Address, LegalRepPersonID: legalRepID})
	if err != nil {
		return Result{}, err
	}
	if _, err := s.d.Units.AddMembership(ctx, tx, unit.Membership{UnitID: u.ID, PersonID: admin.ID, Role: unit.RoleAdmin,
		Status: unit.StatusActive, PasswordHash: st.PasswordHash}); err != nil {
		return Result{}, err
	}
	if err := s.d.Legacy.MarkUpgradedTx(ctx, tx, st.LegacyID, u.ID, s.d.Now()); err != nil {
		return Result{}, err
	}
	legalRep := "none"
	if legalRepID != 0 {
		legalRep = "installed"
	}
	_, err = s.d.Audit.Append(ctx, tx, unit.OpenedEntry(u, admin.ID, unit.RoleAdmin, "unit.upgrade", "legacy-upgrade", clientAddr,
		map[string]string{"legacy_number": st.LegacyNumber, "legacy_id": strconv.FormatInt(st.LegacyID, 10),
			"admin_id": admin.MaskedID(), "legal_rep": legalRep}))
	if err != nil {
		return Result{}, err
	}
	return Result{Unit: u, Admin: admin}, nil
}

// purposeNotice is the SMS purpose of the administrator's notice.
const purposeNotice = "upgrade-admin"

// noticeText tells the administrator the unit account is open and how to sign in.
func noticeText(sign, unitName, unitNumber string, at time.Time) string {
	return fmt.Sprintf("【%s】%s已于%s完成历史单位用户升级，您已成为该单位管理员。请使用单位编号%s或统一社会信用代码、您的证件号码或移动电话和升级时设置的管理员密码登录。如非本人操作，请及时联系人社经办窗口。",
		sign, unitName, at.In(chinatime.Zone).Format("2006年01月02日 15:04"), unitNumber)
}

// notify tries to send the administrator's queued notice now. Errors: ErrNoticeDelayed
// joined with the gateway's error when it is retried later; the gateway's error when
// it refused the message for good; database failures (it stays due).
func (s *Service) notify(ctx context.Context, res Result) error {
	if res.notice == 0 {
		return nil
	}
	d, err := s.d.Texts.DeliverText(context.WithoutCancel(ctx), res.notice)
	switch {
	case d == delegation.Retrying:
		return errors.Join(ErrNoticeDelayed, err)
	case d == delegation.GivenUp:
		return fmt.Errorf("upgrade: administrator notice not sendable: %w", err)
	case d == delegation.Sent, d == delegation.Elsewhere:
		return nil // another process's runner holds it: it sends it
	}
	return err
}

// RestartVerification replaces the flow's verification session with a new one.
//
// Errors: ErrStep when the flow is not at the verify step; ErrNotFound, ErrExpired,
// ErrCompleted; *FormError (MsgVerifyUnavailable); otherwise database failures.
func (s *Service) RestartVerification(ctx context.Context, flowID, binding string) error {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return err
	}
	if f.Step != StepVerify {
		return ErrStep
	}
	if st.Session, err = s.verification.Start(ctx, f.ID, st.admin()); err != nil {
		return err
	}
	return flowErr(s.d.Flows.Advance(ctx, f, StepVerify, StepVerify, st))
}

// Wait is the long poll of the verify step's page: up to maxWait for the flow's
// current session sessionID to leave pending.
//
// Errors: ErrNotFound for an unknown flow, another browser or another session;
// ErrExpired, ErrCompleted; ctx's error; otherwise database failures.
func (s *Service) Wait(ctx context.Context, flowID, binding, sessionID string, maxWait time.Duration) (verify.Status, error) {
	f, st, err := s.load(ctx, flowID, binding)
	if err != nil {
		return "", err
	}
	if f.Step != StepVerify {
		return "", ErrNotFound
	}
	// Verified completes the flow at this step, so there is no step past it to
	// answer passed for: a finished upgrade is ErrCompleted from load.
	return s.verification.Wait(ctx, f.ID, st.Session, sessionID, false, maxWait)
}
