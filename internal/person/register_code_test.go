package person

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/sealed/sealedtest"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// codeFixture is a Service with the real SMS code service (development outbox), so
// that the code's state in the database is what the test looks at.
type codeFixture struct {
	*fixture
	codes  *sms.Codes
	outbox *sms.Outbox
}

func newCodeFixture(t *testing.T, db *store.DB, hasher *Hasher) *codeFixture {
	t.Helper()
	f := newFixture(t, db)
	ob := sms.NewOutbox(db, sealedtest.Keys(), f.clock.Now)
	codes := sms.NewCodes(db, ob, sms.CodeConfig{Key: []byte("person test sms key 0123")}, f.clock.Now)
	f.svc = New(db, hasher, codes, ident.DefaultPasswordPolicy(), f.audit, f.clock.Now)
	return &codeFixture{fixture: f, codes: codes, outbox: ob}
}

var codeInSMS = regexp.MustCompile(`验证码为(\d{6})，`)

// input is a valid registration form with a code really issued (and read back from
// the outbox).
func (f *codeFixture) input(t *testing.T) RegisterInput {
	t.Helper()
	in := f.validInput()
	in.SMSCode = f.send(t, PurposeRegister, in.Binding, in.Mobile)
	return in
}

// send issues a code of purpose for binding to mobile and returns it, read back from
// the outbox. The clock then moves past the mobile's resend window.
func (f *codeFixture) send(t *testing.T, purpose, binding, mobile string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := f.codes.Issue(ctx, sms.Request{Purpose: purpose, Binding: binding,
		Mobile: mobile, ClientAddr: "203.0.113.7"}); err != nil {
		t.Fatal(err)
	}
	m, err := f.outbox.Latest(ctx, mobile)
	if err != nil {
		t.Fatal(err)
	}
	sub := codeInSMS.FindStringSubmatch(m.Text)
	if sub == nil {
		t.Fatalf("no code in %q", m.Text)
	}
	f.clock.Add(f.codes.Config().ResendAfter)
	return sub[1]
}

// codeStates counts the registration codes by state.
func codeStates(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	return codeStatesOf(t, db, PurposeRegister)
}

// codeStatesOf counts the codes of purpose by state.
func codeStatesOf(t *testing.T, db *store.DB, purpose string) map[string]int {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT c.state, COUNT(*) FROM sms_codes c
		JOIN sms_flows f ON f.id = c.flow_id WHERE f.purpose = ? GROUP BY c.state`, purpose)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			t.Fatal(err)
		}
		got[st] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestRegisterKeepsCodeUntilAccount: the SMS code is spent in the transaction that
// creates the account, so a busy hasher or a failed insert leaves it usable, and a
// good registration spends it exactly once.
func TestRegisterKeepsCodeUntilAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := fastHasher(t)
		h.maxWait = 5 * time.Millisecond
		f := newCodeFixture(t, db, h)
		in := f.input(t)

		// The hasher is saturated: other hashes hold every slot.
		for range cap(h.sem) {
			h.sem <- struct{}{}
		}
		if _, err := f.svc.Register(ctx, in); !errors.Is(err, ErrBusy) {
			t.Fatalf("Register with a busy hasher = %v, want ErrBusy", err)
		}
		for range cap(h.sem) {
			<-h.sem
		}
		if got := codeStates(t, db); got["active"] != 1 || got["used"] != 0 {
			t.Fatalf("after a busy hasher the codes are %v, want the one still active", got)
		}

		// The insert fails: the audit record cannot be written after the person row.
		if _, err := db.Exec(ctx, "ALTER TABLE audit_log RENAME TO audit_log_away"); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Register(ctx, in)
		if _, rerr := db.Exec(ctx, "ALTER TABLE audit_log_away RENAME TO audit_log"); rerr != nil {
			t.Fatal(rerr)
		}
		var fe *FormError
		if err == nil || errors.As(err, &fe) {
			t.Fatalf("Register with a failing insert = %v, want the database failure", err)
		}
		if got := codeStates(t, db); got["active"] != 1 || got["used"] != 0 || count(t, db, "persons") != 0 {
			t.Fatalf("after a failed insert: codes %v, %d persons; want the code active, no person", got, count(t, db, "persons"))
		}

		// Now it works, with the same code, once.
		p, err := f.svc.Register(ctx, in)
		if err != nil {
			t.Fatalf("Register after the failures: %v", err)
		}
		if got := codeStates(t, db); got["active"] != 0 || got["used"] != 1 {
			t.Fatalf("after registering the codes are %v, want one used", got)
		}
		in2 := in
		in2.IDNumber = ident.GenerateResidentID(f.rnd, "", time.Time{}, true)
		_, err = f.svc.Register(ctx, in2)
		if fe := formError(t, err); len(fe.Fields) != 1 || fe.Fields[FieldSMSCode] == "" {
			t.Fatalf("the spent code again: %s", fieldsOf(fe))
		}
		if count(t, db, "persons") != 1 || p.ID == 0 {
			t.Fatalf("%d persons, want 1", count(t, db, "persons"))
		}
	})
}

// TestRegisterWrongCodeCounts: a wrong code is counted against the flow although
// Register's first look at the code does not spend a right one.
func TestRegisterWrongCodeCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newCodeFixture(t, db, fastHasher(t))
		in := f.input(t)
		right := in.SMSCode
		wrong := []byte(right)
		wrong[5] = '0' + (wrong[5]-'0'+1)%10
		in.SMSCode = string(wrong)
		for i := range f.codes.Config().MaxAttempts {
			_, err := f.svc.Register(ctx, in)
			if fe := formError(t, err); fe.Fields[FieldSMSCode] == "" {
				t.Fatalf("wrong code %d: %s", i+1, fieldsOf(fe))
			}
		}
		in.SMSCode = right
		_, err := f.svc.Register(ctx, in)
		if fe := formError(t, err); fe.Fields[FieldSMSCode] != sms.ErrTooManyAttempts.Msg {
			t.Fatalf("right code after %d wrong ones: %s", f.codes.Config().MaxAttempts, fieldsOf(fe))
		}
		if count(t, db, "persons") != 0 {
			t.Fatal("an account was created")
		}
	})
}
