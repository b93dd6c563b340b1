package certlogin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strconv"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/ca"
	"hall/internal/delegation"
	"hall/internal/flow"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/token"
	"hall/internal/unit"
)

// Flow kinds and steps of a CA login (package comment).
const (
	KindStart   = "ca-login"
	KindHandoff = "ca-login-handoff"
	stepStarted = "started"
	stepReady   = "ready"
)

// Lifetimes: StartTTL leaves time to insert the UKey and type its PIN;
// HandoffTTL covers one redirect.
const (
	StartTTL   = 10 * time.Minute
	HandoffTTL = 2 * time.Minute
)

// ErrNoStart: Check was given no well-formed start flow ID (the listener opened
// directly, or a mangled link). The listener sends the browser to the login page.
var ErrNoStart = errors.New("certlogin: no start flow")

// Deps are the services a CA login uses.
type Deps struct {
	DB         *store.DB
	Verifier   *ca.Verifier
	Flows      *flow.Store
	Units      *unit.Service
	Persons    *person.Service
	Delegation *delegation.Service
	Audit      *audit.Log
}

// Service runs CA logins.
type Service struct{ d Deps }

// New returns a Service on d; d.Verifier must not be nil.
func New(d Deps) *Service { return &Service{d: d} }

// Login is a CA login that may set a session: the subject it acts as, and the
// return path its start was given.
type Login struct {
	Subject auth.Subject
	Next    string
}

// startData is what a start flow keeps: the page to return to after the login,
// which the caller checked is a local path.
type startData struct {
	Next string `json:"next,omitempty"`
}

// outcome is what the TLS listener hands to the main listener.
type outcome struct {
	PersonID int64  `json:"person_id,omitempty"`
	UnitID   int64  `json:"unit_id,omitempty"`
	Role     string `json:"role,omitempty"`
	Code     string `json:"code,omitempty"` // a refusal's code, "" on success
	Message  string `json:"message,omitempty"`
	// For the audit record of the sign-in: masked and public values only.
	USCC     string `json:"uscc,omitempty"`
	IDNumber string `json:"id_number,omitempty"`
	Serial   string `json:"serial,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
}

// Start begins a CA login for the browser whose binding is given and returns the
// start flow's ID, which the browser carries to the TLS listener. next, a local
// path the caller checked or "", comes back in the Login.
func (s *Service) Start(ctx context.Context, binding, next string) (string, error) {
	f, err := s.d.Flows.Create(ctx, KindStart, binding, stepStarted, startData{Next: next}, StartTTL)
	if err != nil {
		return "", err
	}
	return f.ID, nil
}

// Check is the TLS listener's step: it verifies the connection's client
// certificate, maps it to the unit and the acting person, audits a refusal, and
// saves the outcome in a hand-off bound to start. It returns the hand-off's ID;
// the outcome, refusal or not, is read by Finish. Errors: ErrNoStart, database
// failures.
func (s *Service) Check(ctx context.Context, start string, state *tls.ConnectionState, at auth.Attempt) (string, error) {
	if !token.Valid(start) {
		return "", ErrNoStart
	}
	o, err := s.check(ctx, state)
	if err != nil {
		return "", err
	}
	if o.Code != "" {
		_, _ = s.d.Audit.Record(context.WithoutCancel(ctx), o.entry(at))
	}
	f, err := s.d.Flows.Create(ctx, KindHandoff, start, stepReady, o, HandoffTTL)
	if err != nil {
		return "", err
	}
	return f.ID, nil
}

// check verifies and resolves; a refusal is an outcome with its code, only a
// failure of the database is an error.
func (s *Service) check(ctx context.Context, state *tls.ConnectionState) (outcome, error) {
	id, err := s.d.Verifier.VerifyTLS(state)
	var o outcome
	if err == nil {
		o = outcome{USCC: ident.MaskUSCC(id.USCC), Serial: id.Serial, Issuer: id.Issuer}
		if id.PersonIDNumber != "" {
			o.IDNumber = ident.MaskID(id.PersonIDNumber)
		}
		var subj auth.Subject
		subj, err = s.resolve(ctx, id)
		o.PersonID, o.UnitID, o.Role = subj.PersonID, subj.UnitID, string(subj.Role)
	} else {
		var caErr *ca.Error
		if errors.As(err, &caErr) && caErr.Cert != nil {
			o.Serial, o.Issuer = ca.SerialHex(caErr.Cert), caErr.Cert.Issuer.CommonName
		}
	}
	if err != nil {
		var r *Refusal
		if !errors.As(refusalOf(err), &r) {
			return o, err
		}
		o.Code, o.Message, o.Role = r.Code, r.Msg, ""
	}
	return o, nil
}

// resolve maps a verified certificate to the subject a session acts as: the unit
// its USCC names, and the person it names when that person holds a usable role in
// the unit, else — for a unit certificate, which names nobody — the unit's legal
// representative. A named person without a usable role is refused, never replaced
// by the legal rep: the certificate says who is acting.
func (s *Service) resolve(ctx context.Context, id ca.Identity) (auth.Subject, error) {
	u, err := s.d.Units.ByAccount(ctx, id.USCC)
	if errors.Is(err, unit.ErrNotFound) {
		return auth.Subject{}, ca.UnknownUnitError(id.USCC)
	}
	if err != nil {
		return auth.Subject{}, err
	}
	if u.Status != "active" {
		return auth.Subject{UnitID: u.ID}, &Refusal{Code: CodeUnitClosed, Msg: msgUnitClosed}
	}
	idType, idNumber := id.PersonIDType, id.PersonIDNumber
	if idNumber == "" {
		rep, err := s.d.Units.LegalRep(ctx, u.ID)
		if errors.Is(err, unit.ErrNotFound) {
			return auth.Subject{UnitID: u.ID}, ca.ErrNoRole
		}
		if err != nil {
			return auth.Subject{}, err
		}
		idType, idNumber = ident.IDType(rep.IDType), rep.IDNumber
	}
	p, err := s.d.Persons.ByIdentity(ctx, idType, idNumber)
	if errors.Is(err, person.ErrNotFound) {
		return auth.Subject{UnitID: u.ID}, ca.ErrNoRole
	}
	if err != nil {
		return auth.Subject{}, err
	}
	m, err := s.d.Units.Membership(ctx, u.ID, p.ID)
	if errors.Is(err, unit.ErrNotFound) {
		return auth.Subject{PersonID: p.ID, UnitID: u.ID}, ca.ErrNoRole
	}
	if err != nil {
		return auth.Subject{}, err
	}
	if err := s.d.Delegation.Usable(m); err != nil {
		return auth.Subject{PersonID: p.ID, UnitID: u.ID}, roleRefusal(err)
	}
	return auth.Subject{PersonID: p.ID, UnitID: u.ID, Role: auth.Role(m.Role)}, nil
}

// Finish is the main listener's step: it reads the start flow with the browser's
// binding and the hand-off with the start's ID, and completes both — with the
// audit record of a sign-in — in one transaction, so each works once. It returns
// the Login to set the session with, or the *Refusal the TLS listener found.
// Errors: ErrStale when either flow is not this browser's, expired or used; a
// *Refusal; database failures.
func (s *Service) Finish(ctx context.Context, start, handoff, binding string, at auth.Attempt) (Login, error) {
	sf, err := s.d.Flows.Get(ctx, start, KindStart, binding)
	if err != nil {
		return Login{}, stale(err)
	}
	hf, err := s.d.Flows.Get(ctx, handoff, KindHandoff, start)
	if err != nil {
		return Login{}, stale(err)
	}
	var o outcome
	if err := hf.Decode(&o); err != nil {
		return Login{}, err
	}
	var sd startData
	if err := sf.Decode(&sd); err != nil {
		return Login{}, err
	}
	err = s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		if err := s.d.Flows.Complete(ctx, tx, sf, stepStarted); err != nil {
			return stale(err)
		}
		if err := s.d.Flows.Complete(ctx, tx, hf, stepReady); err != nil {
			return stale(err)
		}
		if o.Code != "" {
			return nil
		}
		_, err := s.d.Audit.Append(ctx, tx, o.entry(at))
		return err
	})
	switch {
	case err != nil:
		return Login{}, err
	case o.Code != "":
		return Login{}, &Refusal{Code: o.Code, Msg: o.Message}
	}
	return Login{Subject: auth.Subject{PersonID: o.PersonID, UnitID: o.UnitID, Role: auth.Role(o.Role)}, Next: sd.Next}, nil
}

// stale turns the flow errors of a start or hand-off that cannot be used into
// ErrStale; database failures pass.
func stale(err error) error {
	for _, e := range []error{flow.ErrNotFound, flow.ErrExpired, flow.ErrCompleted, flow.ErrStep, flow.ErrConflict} {
		if errors.Is(err, e) {
			return ErrStale
		}
	}
	return fmt.Errorf("certlogin: %w", err)
}

// entry is the audit record of the outcome, with method ca; identifiers masked.
func (o outcome) entry(at auth.Attempt) audit.Entry {
	e := audit.Entry{PersonID: o.PersonID, UnitID: o.UnitID, Role: o.Role, Action: "login.unit.ca",
		Result: audit.Success, ClientIP: at.ClientAddr, RequestID: at.RequestID,
		Detail: map[string]string{"method": "ca"}}
	if o.UnitID != 0 {
		e.Target = "unit:" + strconv.FormatInt(o.UnitID, 10)
	}
	for k, v := range map[string]string{"uscc": o.USCC, "id_number": o.IDNumber, "serial": o.Serial, "issuer": o.Issuer} {
		if v != "" {
			e.Detail[k] = v
		}
	}
	switch o.Code {
	case "":
	case CodeNoRole, CodeRoleNotUsable, CodeUnitClosed:
		e.Result, e.Detail["reason"] = audit.Denied, o.Code
	default:
		e.Result, e.Detail["reason"] = audit.Failure, o.Code
	}
	return e
}
