package unitcenter

import (
	"crypto"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hall/internal/rights"
	"hall/internal/services"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// heldKey is a signing key whose first signature waits until let is called:
// the record being signed keeps its build slot until the test lets it go.
// signing is closed when that signature has begun, inside the slot; later
// signatures do not wait.
type heldKey struct {
	crypto.Signer
	signing, release chan struct{}
	begun            atomic.Bool
	letOnce          sync.Once
}

func newHeldKey() *heldKey {
	return &heldKey{signing: make(chan struct{}), release: make(chan struct{})}
}

func (k *heldKey) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if k.begun.CompareAndSwap(false, true) {
		close(k.signing)
		<-k.release
	}
	return k.Signer.Sign(rand, digest, opts)
}

// let lets the held signature go on.
func (k *heldKey) let() { k.letOnce.Do(func() { close(k.release) }) }

// oneBuild is a test server option: the rights service builds one record at a
// time (rights-builds 1), a further request waits 100ms for it
// (rights-build-wait), and records are signed with k, over the configured key.
func (k *heldKey) oneBuild(t *testing.T) func(*services.Services) {
	return func(svc *services.Services) {
		svc.Config.RightsBuilds, svc.Config.RightsBuildWait = 1, 100*time.Millisecond
		d, cfg, err := svc.RightsDeps()
		if err != nil {
			t.Fatal(err)
		}
		k.Signer = d.Signer.Key
		d.Signer.Key = k
		if svc.Rights, err = rights.New(d, cfg); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRightsBusy: with the one build slot (--rights-builds 1) held by a record
// being signed, the form answers 503 with Retry-After after rights-build-wait,
// MsgRightsBusy above the form, the chosen months and types still filled in (the
// type not chosen still unticked), and nothing stored; once the held record is
// done, the same form issues a record.
func TestRightsBusy(t *testing.T) {
	key := newHeldKey()
	c := rightsNewCast(t, key.oneBuild(t))
	form := rightsForm(c.from, c.to, "pension", "injury")

	// Another session of the legal rep starts a record and holds the slot.
	holder := webtest.NewClient(c.ts)
	webtest.SignIn(t, holder, webtest.UnitSubject(c.a.Rep, c.a.Unit, unit.RoleLegalRep))
	held, done := make(chan int, 1), make(chan struct{})
	go func() {
		defer close(done)
		held <- holder.Post(t, "/unit/rights", form).Code
	}()
	// A test that stops early still lets the held record finish before it ends.
	defer func() { key.let(); <-done }()
	select {
	case <-key.signing:
	case code := <-held:
		t.Fatalf("the first record answered %d without signing", code)
	}

	rec := c.rep.Post(t, "/unit/rights", form)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("with the slot held: %d, Retry-After %q; want 503 with Retry-After\n%s",
			rec.Code, rec.Header().Get("Retry-After"), webtest.ShortBody(rec.Body.String()))
	}
	doc := webtest.ParseHTML(t, rec.Body.String())
	panel := doc.Must(t, "section[aria-labelledby=rights-title]")
	if got := panel.Must(t, "[role=alert]").TextContent(); got != MsgRightsBusy {
		t.Errorf("the form's message %q, want %q", got, MsgRightsBusy)
	}
	panel.Must(t, "form[action='/unit/rights']")
	for field, want := range map[string]string{"#f-from": c.from, "#f-to": c.to} {
		if got := panel.Must(t, field).AttrOr("value"); got != want {
			t.Errorf("%s shown as %q, want %q", field, got, want)
		}
	}
	for typ, want := range map[string]bool{"pension": true, "injury": true, "unemployment": false} {
		if _, checked := panel.Must(t, "#rights-type-"+typ).Attr("checked"); checked != want {
			t.Errorf("%s ticked %v, want %v", typ, checked, want)
		}
	}
	if strings.Contains(doc.Must(t, "main").TextContent(), "权益单已生成") {
		t.Error("the busy answer says a record was issued")
	}
	if recs, err := c.ts.Rights.List(t.Context(), c.a.Unit.ID, 0, 10); err != nil || len(recs) != 0 {
		t.Fatalf("records while the first is held: %d (%v), want none", len(recs), err)
	}

	key.let()
	if code := <-held; code != http.StatusSeeOther {
		t.Fatalf("the held record: %d, want 303", code)
	}
	if rec := c.rep.Post(t, "/unit/rights", form); rec.Code != http.StatusSeeOther {
		t.Fatalf("once the slot is free: %d, want 303\n%s", rec.Code, webtest.ShortBody(rec.Body.String()))
	}
	if recs, err := c.ts.Rights.List(t.Context(), c.a.Unit.ID, 0, 10); err != nil || len(recs) != 2 {
		t.Errorf("records: %d (%v), want the held one and the one asked again", len(recs), err)
	}
}
