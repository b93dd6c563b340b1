package unitcenter

import (
	"context"
	"net/http"

	"hall/internal/auth"
	"hall/internal/person"
	"hall/internal/throttle"
	"hall/internal/unit"
	"hall/internal/web"
)

// Entering a unit from another session (SPEC L7): "a person signed in personally
// who enters a unit as its admin or agent gives that role's unit password (经办密码)
// … first; a legal rep's unit password is the personal one". Switching (unitswitch.go)
// asks enterProve before it moves the session:
//
//   - an administrator or agent always types the unit password of that membership:
//     no other session proves it, not even one entered into another unit with
//     another unit password;
//   - a legal rep enters without a new question when the session was opened with
//     the personal password (auth.ProofPassword, carried over by switches): that is
//     the credential the unit login would ask. A Session opened with a 手机动态码, or
//     entered into another unit with a unit password, proved something else, so the
//     legal rep types the personal password.
//
// A wrong password is a login guess: it goes through the same throttle as the unit
// login of that account (Reauthenticate, with the keys of GateCredentialKeys), shows the
// captcha when the count asks, and is audited as a refused unit.switch. The entry
// itself is audited with the method (unitswitch.go).
//
// Not built yet: entering by a fresh face verification in the companion app instead
// of the password; the page does not offer it.

// Fields and messages of the entry page.
const (
	enterFieldPassword  = "unit_password"
	enterMsgNeedUnit    = "请输入经办密码"
	enterMsgNeedPerson  = "请输入个人账户登录密码"
	enterMsgWrongUnit   = "经办密码错误，请重新输入"
	enterMsgWrongPerson = "登录密码错误，请重新输入"
	enterMsgTop         = "密码验证未通过，未进入该单位。"
)

// enterEnterData is the entry page: which unit, in which role, and the password form.
type enterEnterData struct {
	web.ReauthenticationState
	Unit     unit.Unit
	Role     string
	LegalRep bool // the personal password is asked, not a unit password
	Form     *web.Form
}

// PasswordField is the password the role enters with, with a hint saying which.
func (d *enterEnterData) PasswordField() web.Field {
	label, hint := "经办密码", "您在该单位的经办密码（在掌上APP确认授权时设置的密码），不是个人账户的登录密码"
	if d.LegalRep {
		label, hint = "登录密码", "您个人账户的登录密码（法定代表人以个人账户密码登录单位）"
	}
	fd := d.Form.Field(enterFieldPassword, label, "password", hint)
	fd.Autocomplete = "current-password"
	return fd
}

// enterProof is how an entry into a unit was proved: the proof the session gets
// (ProofNone: it keeps its own), the password verified for it (zero when none was
// asked), which the session is moved only while it is still stored, and the
// method for the audit record.
type enterProof struct {
	proof    auth.Proof
	verified auth.Verified
	method   string
}

// enterProve decides whether the visitor may enter unit unitID in membership m now,
// and with which proof. When the session's proof already covers it (a legal rep's
// Session opened with the personal password) the proof is ProofNone (the session
// keeps its proof). Otherwise it checks the Form's password when one was
// submitted, or answers with the entry page: done is then true and err is the
// handler's result.
func (s *handler) enterProve(w http.ResponseWriter, r *http.Request, unitID int64, m unit.Membership) (ep enterProof, done bool, err error) {
	v := web.VisitorFrom(r.Context())
	if m.Role == unit.RoleLegalRep && v.Session != nil && v.Session.Proof == auth.ProofPassword {
		return enterProof{proof: auth.ProofNone, method: "session_password"}, false, nil
	}
	d, q, err := s.enterPage(r, unitID, m)
	if err != nil {
		return enterProof{}, true, err
	}
	step, err := s.ReauthenticationStep(r, d.Form, &d.ReauthenticationState, enterFieldPassword, q.need, q.wrong, q.keys, q.check)
	switch {
	case err != nil:
		return enterProof{}, true, err
	case step == web.ReauthenticationProved:
		return enterProof{proof: q.proof, verified: *q.verified, method: q.method}, false, nil
	case step == web.ReauthenticationWrong:
		s.unitRecordDenied(r, unitID, "bad_"+q.method)
		d.Form.Top = enterMsgTop
	}
	return enterProof{}, true, s.enterRender(w, r, step.Status(), d)
}

// enterQuestion is the password the entry page asks for: its throttle keys (the
// login's counters of the credential checked, login_gate.go: the membership's unit
// password, or the legal rep's account password), its check, which keeps the
// password it verified, and the messages.
type enterQuestion struct {
	keys        []throttle.Key
	check       person.Reauth
	verified    *auth.Verified
	proof       auth.Proof
	method      string
	need, wrong string
}

// enterPage is the entry page for membership m of unit unitID, and its question.
func (s *handler) enterPage(r *http.Request, unitID int64, m unit.Membership) (*enterEnterData, enterQuestion, error) {
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	legalRep := m.Role == unit.RoleLegalRep
	u, err := s.Units.Get(ctx, unitID)
	if err != nil {
		return nil, enterQuestion{}, err
	}
	d := &enterEnterData{Unit: u, Role: m.Role.Label(), LegalRep: legalRep, Form: web.NewForm(r)}
	personID := v.Person.ID
	q := enterQuestion{verified: new(auth.Verified)}
	if legalRep {
		q.keys = s.GateCredentialKeys(r, auth.Credential{PersonID: personID})
		q.proof, q.method = auth.ProofPassword, "password"
		q.need, q.wrong = enterMsgNeedPerson, enterMsgWrongPerson
		q.check = func(ctx context.Context, pw string) error {
			hash, err := s.Persons.VerifyPassword(ctx, personID, pw)
			if err == nil {
				*q.verified = auth.NewVerified(auth.Credential{PersonID: personID}, hash)
			}
			return err
		}
		return d, q, nil
	}
	q.keys = s.GateCredentialKeys(r, auth.Credential{MembershipID: m.ID})
	q.proof, q.method = auth.ProofUnitPassword, "unit_password"
	q.need, q.wrong = enterMsgNeedUnit, enterMsgWrongUnit
	q.check = func(ctx context.Context, pw string) error {
		id, hash, err := s.UnitPasswords().Verify(ctx, unitID, personID, pw)
		if err == nil {
			*q.verified = auth.NewVerified(auth.Credential{MembershipID: id}, hash)
		}
		return err
	}
	return d, q, nil
}

// enterChanged answers an entry whose password was changed or reset after it was
// verified and before the session moved (auth.ErrCredentialChanged): as a wrong
// password, audited as one; the session stays where it was.
func (s *handler) enterChanged(w http.ResponseWriter, r *http.Request, unitID int64, m unit.Membership, method string) error {
	s.unitRecordDenied(r, unitID, "bad_"+method)
	d, q, err := s.enterPage(r, unitID, m)
	if err != nil {
		return err
	}
	d.Form.Fail(enterFieldPassword, q.wrong)
	d.Form.Top = enterMsgTop
	d.Captcha = s.ReauthenticationNeedsCaptcha(r, q.keys...)
	return s.enterRender(w, r, http.StatusUnprocessableEntity, d)
}

func (s *handler) enterRender(w http.ResponseWriter, r *http.Request, status int, d *enterEnterData) error {
	return s.Render(w, r, status, "unit-enter", "进入单位", "", d)
}
