package web

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/throttle"
)

// Refusals of the login gate are audited (issue 16, QUALITY.md "Failed logins"): a
// wrong secret is audited by auth with its account; what the gate refuses before any
// secret is checked — the captcha not solved or its token refused, the account's
// attempts paused — is audited here as "login.refused" (result denied, detail
// reason captcha_required, captcha_refused or paused), and the failure that starts a
// pause as "login.lock" (detail until). Details carry the login as typed, masked
// (auth.MaskLogin), the unit account masked (ident.MaskUSCC), the form's path and,
// for a pause, its end; never a password, code or captcha token.
//
// The back office's login ("staff.login.refused") and re-authentication before a
// change ("reauth.refused") record their refusals the same way (AuditRefusal).
//
// A flood must not fill the log: the refusals of one reason from one client address
// (an IPv6 client's /64, as the throttle counts it) are recorded at most once per
// RefusalAuditEvery by each process, and a record counts in detail repeats the like
// refusals left out since the one before. A flood from ever new addresses is bounded
// too: each process records at most refusalAuditBudget refusals a period; the ones
// left out over the budget are counted in detail others of the next record. A pause
// starts once per lock, after failures that are each audited, so "login.lock" needs
// no such bound.

// Reasons of a "login.refused" record.
const (
	refusedCaptchaRequired = "captcha_required" // the counts ask for the captcha and no token came
	refusedCaptchaRefused  = "captcha_refused"  // a token came and was not valid (expired, used, unknown)
	refusedPaused          = "paused"           // the account's attempts are paused (the throttle's lock)
)

// RefusalAuditEvery is how often one client address's refusals of one reason are
// recorded, at most, by one process.
const RefusalAuditEvery = time.Minute

// refusalAuditBudget is how many refusals one process records per
// RefusalAuditEvery at most, whatever the addresses.
const refusalAuditBudget = 600

// refusalAuditMaxKeys bounds the memory of the aggregation: when this many addresses
// are remembered, the ones whose period ended are forgotten, and if all are recent
// the whole memory is dropped (the next refusals are recorded at once again).
const refusalAuditMaxKeys = 10000

// refusalAggregator remembers, per reason and client address, when a refusal was
// last recorded and how many were left out since.
type refusalAggregator struct {
	mu   sync.Mutex
	seen map[string]*refusalSeen
	// The budget's period: its start, the records made in it, and the refusals
	// left out over the budget not yet counted in a record.
	periodStart time.Time
	recorded    int
	overBudget  int
}

type refusalSeen struct {
	at      time.Time
	repeats int
}

// note reports whether a refusal under key at now is to be recorded, how many like
// refusals were left out since the last record of key (repeats), and how many
// others were left out over the budget since the last record of any key (others).
func (a *refusalAggregator) note(key string, now time.Time) (record bool, repeats, others int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seen == nil {
		a.seen = map[string]*refusalSeen{}
	}
	if now.Sub(a.periodStart) >= RefusalAuditEvery {
		a.periodStart, a.recorded = now, 0
	}
	s, ok := a.seen[key]
	if ok && now.Sub(s.at) < RefusalAuditEvery {
		s.repeats++
		return false, 0, 0
	}
	if a.recorded >= refusalAuditBudget {
		a.overBudget++
		return false, 0, 0
	}
	a.recorded++
	others, a.overBudget = a.overBudget, 0
	if ok {
		repeats = s.repeats
		s.at, s.repeats = now, 0
		return true, repeats, others
	}
	if len(a.seen) >= refusalAuditMaxKeys {
		for k, s := range a.seen {
			if now.Sub(s.at) >= RefusalAuditEvery {
				delete(a.seen, k)
			}
		}
		if len(a.seen) >= refusalAuditMaxKeys {
			clear(a.seen)
		}
	}
	a.seen[key] = &refusalSeen{at: now}
	return true, 0, others
}

// auditGateRefusal records a refusal of the gate (see above), aggregated per reason
// and client address.
func (s *Server) auditGateRefusal(r *http.Request, g GateForm, reason string, until time.Time) {
	s.AuditRefusal(r, "login.refused", reason, s.gateDetail(r, g, reason, until))
}

// AuditRefusal records a refusal of a throttled secret check under action (result
// denied, with the signed-in person when there is one), at most once per
// RefusalAuditEvery for each action, reason and client address (group) by this
// process and within the process's budget; the record's detail (which must say the
// reason) gets the count of like refusals left out since the last one as repeats,
// and of the others left out over the budget as others. For the login gate, the back office's login and
// re-authentication. A failure to write is logged: the refusal stands.
func (s *Server) AuditRefusal(r *http.Request, action, reason string, detail map[string]string) {
	record, repeats, others := s.refusals.note(action+"\x00"+reason+"\x00"+throttle.AddrGroup(ClientAddr(r)), s.Now())
	if !record {
		return
	}
	if repeats > 0 {
		detail["repeats"] = strconv.Itoa(repeats)
	}
	if others > 0 {
		detail["others"] = strconv.Itoa(others)
	}
	s.recordGate(r, action, detail)
}

// auditGateLock records the failure that paused the account's attempts until until.
func (s *Server) auditGateLock(r *http.Request, g GateForm, until time.Time) {
	s.recordGate(r, "login.lock", s.gateDetail(r, g, refusedPaused, until))
}

func (s *Server) gateDetail(r *http.Request, g GateForm, reason string, until time.Time) map[string]string {
	detail := map[string]string{"reason": reason, "form": r.URL.Path}
	if login := g.Form.Get("login"); login != "" {
		detail["login"] = auth.MaskLogin(login)
	}
	if account := g.Form.Get("account"); account != "" {
		detail["account"] = ident.MaskUSCC(account)
	}
	if !until.IsZero() {
		detail["until"] = until.UTC().Format(time.RFC3339)
	}
	return detail
}

func (s *Server) recordGate(r *http.Request, action string, detail map[string]string) {
	ctx := context.WithoutCancel(r.Context())
	var personID int64
	if v := VisitorFrom(ctx); v.Session != nil {
		// The person of any session, an institution's operator's included.
		personID = v.Session.Subject.PersonID
	}
	if _, err := s.Audit.Record(ctx, audit.Entry{PersonID: personID, Action: action, Result: audit.Denied, ClientIP: ClientAddr(r),
		RequestID: RequestID(ctx), Detail: detail}); err != nil {
		s.Log.ErrorContext(ctx, "audit login refusal", "err", err, "action", action, "request_id", RequestID(ctx))
	}
}
