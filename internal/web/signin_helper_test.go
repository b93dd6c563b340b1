package web_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"hall/internal/auth"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// fatalOf is a testing.TB whose Fatalf records the failure and ends the calling
// goroutine, as the testing package's does.
type fatalOf struct {
	testing.TB
	fatal string
}

func (f *fatalOf) Helper() {}

func (f *fatalOf) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestSignInNeedsAStoredPassword: webtest.SignIn makes a password's proof, so a subject
// without that password stored (a pending agent, whose invitation was never
// confirmed) fails the test instead of getting a session that quietly records no
// proof; SignInBy with auth.ProofNone makes that session when a test means it.
func TestSignInNeedsAStoredPassword(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 7)
	rep := w.Person(t, "林晓")
	u := w.Unit(t, "示范登录测试有限公司", rep)
	agent := w.Person(t, "周岚")
	w.Member(t, unit.Membership{UnitID: u.ID, PersonID: agent.ID, Role: unit.RoleAgent, Status: unit.StatusPending}, "")
	subj := webtest.UnitSubject(agent, u, unit.RoleAgent)

	c := webtest.NewClient(ts)
	f := &fatalOf{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		webtest.SignIn(f, c, subj)
	}()
	<-done
	if !strings.Contains(f.fatal, "no stored password") {
		t.Errorf("SignIn without a stored unit password: failure %q, want the missing password named", f.fatal)
	}
	if c.Session() != "" {
		t.Error("SignIn without a stored unit password gave a session")
	}

	webtest.SignInBy(t, c, subj, auth.ProofNone)
	s, err := ts.Sessions.Lookup(t.Context(), c.Session())
	if err != nil || s.Subject != subj || s.Proof != auth.ProofNone {
		t.Errorf("SignInBy with ProofNone: %+v, %v; want the agent's session with no proof", s, err)
	}
}
