package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hall/internal/captcha"
	"hall/internal/captcha/captchatest"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/sealed"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
	"hall/internal/web/webtest"
)

// The keys every process of one hall shares in production; the test passes the same
// ones to both processes, as a deployment would.
var twoInstanceKeys = []string{
	"--sms-code-key", "two-instances-sms-code-key-0123456789",
	"--throttle-key", "two-instances-throttle-key-0123456789",
	"--audit-key", "two-instances-audit-key-0123456789ab",
	"--data-key", twoInstanceDataKey,
}

// twoInstanceDataKey is the data key of the test's processes, which the test needs
// too: the outbox it reads holds its mobiles and texts sealed, and the persons it
// writes and looks up hold their ID numbers, names and mobiles sealed.
var twoInstanceDataKey = sealed.EncodeKey(bytes.Repeat([]byte{0x2a}, sealed.KeySize))

// twoInstanceDataKeys are the keys of twoInstanceDataKey, as the processes derive
// them; the test's own handle on the database uses them (store.DB.UseKeys).
var twoInstanceDataKeys = sync.OnceValue(func() *sealed.Keys {
	key, err := sealed.ParseKey(twoInstanceDataKey)
	if err != nil {
		panic(err) // a constant of the right form
	}
	keys, err := sealed.NewKeys(key)
	if err != nil {
		panic(err)
	}
	return keys
})

// openTestDatabase opens the processes' database for the test itself, with their
// data keys, and closes it at the end of the test.
func openTestDatabase(t *testing.T, dbURL string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dbURL, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.UseKeys(twoInstanceDataKeys())
	return db
}

// testOutbox is the development outbox in db, read under the processes' data key.
func testOutbox(db *store.DB) *sms.Outbox {
	return sms.NewOutbox(db, twoInstanceDataKeys(), nil)
}

// outboxSent is the number of outbox messages to mobile for purpose ("" for every
// purpose), found through the outbox (the table holds the mobile sealed).
func outboxSent(t testing.TB, db *store.DB, mobile, purpose string) int {
	t.Helper()
	msgs, err := testOutbox(db).SentTo(context.Background(), mobile)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if purpose == "" || m.Purpose == purpose {
			n++
		}
	}
	return n
}

// instance is one `hall serve` process of the test.
type instance struct {
	name    string
	base    string
	cmd     *exec.Cmd
	log     *webtest.LogBuffer
	exited  chan struct{} // closed when the process has exited, with exitErr set
	exitErr error
	killed  bool // the test killed it (crash_test.go): its exit is no failure
}

// startInstance starts `hall serve` on a free port as a process of its own (the
// test binary run as hall, see TestMain), on the database at dbURL. The process is
// stopped with SIGTERM when the test ends; its log is shown when the test failed.
// Processes on one host share dataDir (the development CA, the rights record's
// signing certificate), as they would.
func startInstance(t *testing.T, name, dbURL, dataDir string, extra ...string) *instance {
	t.Helper()
	addr := freeAddr(t)
	args := append([]string{"serve", "--database-url", dbURL, "--data-dir", dataDir, "--addr", addr,
		// The development OpenID Connect provider and CA login listen on ports of
		// their own: each process gets free ones.
		"--admin-addr", freeAddr(t), "--oidc-dev-addr", freeAddr(t), "--ca-login-addr", freeAddr(t),
		// Debug: the background jobs say when each round is done.
		"--log-level", "debug"}, append(extra, twoInstanceKeys...)...)
	in := &instance{name: name, base: "http://" + addr, log: &webtest.LogBuffer{}, exited: make(chan struct{})}
	in.cmd = exec.Command(os.Args[0])
	in.cmd.Env = append(os.Environ(), childArgsEnv+"="+strings.Join(args, "\n"))
	in.cmd.Stdout, in.cmd.Stderr = in.log, in.log
	if err := in.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		in.exitErr = in.cmd.Wait()
		close(in.exited)
	}()
	t.Cleanup(func() {
		if in.killed {
			if t.Failed() {
				t.Logf("log of %s:\n%s", name, in.log.String())
			}
			return
		}
		_ = in.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-in.exited:
			if in.exitErr != nil {
				t.Errorf("%s stopped with %v", name, in.exitErr)
			}
		case <-time.After(20 * time.Second):
			_ = in.cmd.Process.Kill()
			t.Errorf("%s did not stop within 20 s of SIGTERM", name)
		}
		if t.Failed() {
			t.Logf("log of %s:\n%s", name, in.log.String())
		}
	})
	return in
}

// waitFor polls cond every 20 ms until it holds, failing the test at the deadline
// or when the process exits.
func (in *instance) waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		select {
		case <-in.exited:
			t.Fatalf("%s exited (%v) while waiting for %s", in.name, in.exitErr, what)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %s within %s", in.name, what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill ends the process with SIGKILL, as a crash or the OOM killer would, and waits
// for it to be gone.
func (in *instance) kill(t *testing.T) {
	t.Helper()
	in.killed = true
	if err := in.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill %s: %v", in.name, err)
	}
	<-in.exited
}

func (in *instance) waitReady(t *testing.T) {
	t.Helper()
	in.waitFor(t, "ready answer", 30*time.Second, func() bool {
		resp, err := http.Get(in.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// waitLog waits for a line of the process's log containing s.
func (in *instance) waitLog(t *testing.T, s string) {
	t.Helper()
	in.waitFor(t, "log line "+s, 30*time.Second, func() bool { return strings.Contains(in.log.String(), s) })
}

// browser is a browser without JavaScript in front of both processes, as behind a
// load balancer: one cookie jar (cookies do not depend on the port), redirects not
// followed, and Sec-Fetch-Site sent as current browsers do.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// answer is what a request got.
type answer struct {
	status   int
	location string
	body     string
}

func (b *browser) do(method, target string, body io.Reader, header http.Header) answer {
	b.t.Helper()
	r, err := http.NewRequest(method, target, body)
	if err != nil {
		b.t.Fatal(err)
	}
	r.Header = header
	resp, err := b.client.Do(r)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, target, err)
	}
	return answer{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(data)}
}

func (b *browser) get(in *instance, path string) answer {
	b.t.Helper()
	return b.do(http.MethodGet, in.base+path, nil, http.Header{"Sec-Fetch-Site": {"same-origin"}})
}

func (b *browser) post(in *instance, path string, form url.Values) answer {
	b.t.Helper()
	return b.do(http.MethodPost, in.base+path, strings.NewReader(form.Encode()), http.Header{
		"Sec-Fetch-Site": {"same-origin"}, "Content-Type": {"application/x-www-form-urlencoded"}})
}

// legacyPost posts as a browser that sends neither Sec-Fetch-Site nor Origin (IE
// compatibility mode): the form must carry the CSRF token.
func (b *browser) legacyPost(in *instance, path string, form url.Values) answer {
	b.t.Helper()
	return b.do(http.MethodPost, in.base+path, strings.NewReader(form.Encode()), http.Header{
		"Content-Type": {"application/x-www-form-urlencoded"}})
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrfToken reads the CSRF token of the forms of the page at path.
func (b *browser) csrfToken(in *instance, path string) string {
	b.t.Helper()
	a := b.get(in, path)
	m := csrfInput.FindStringSubmatch(a.body)
	if a.status != http.StatusOK || m == nil {
		b.t.Fatalf("GET %s on %s: %d, no CSRF token", path, in.name, a.status)
	}
	return m[1]
}

// solveCaptcha draws a login puzzle on in, solves it like a hand (the answer read
// from the database) and returns the pass token.
func (b *browser) solveCaptcha(in *instance, db *store.DB, seed uint64) string {
	b.t.Helper()
	return b.solveCaptchaFor(in, db, "login", seed)
}

// solveCaptchaFor is solveCaptcha for a puzzle of the given purpose.
func (b *browser) solveCaptchaFor(in *instance, db *store.DB, purpose string, seed uint64) string {
	b.t.Helper()
	a := b.get(in, "/captcha/new?purpose="+purpose)
	var ch struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(a.body), &ch); a.status != http.StatusOK || err != nil || ch.ID == "" {
		b.t.Fatalf("captcha/new on %s: %d %s %v", in.name, a.status, a.body, err)
	}
	x, _, err := captchatest.Solution(context.Background(), db, ch.ID)
	if err != nil {
		b.t.Fatalf("captcha solution: %v", err)
	}
	body, err := io.ReadAll(webtest.VerifyRequest(b.t, ch.ID, captchatest.HumanDrag(float64(x), seed)).Body)
	if err != nil {
		b.t.Fatal(err)
	}
	a = b.do(http.MethodPost, in.base+"/captcha/verify", bytes.NewReader(body), http.Header{
		"Sec-Fetch-Site": {"same-origin"}, "Content-Type": {"application/json"}})
	var res struct {
		OK    bool   `json:"ok"`
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(a.body), &res); a.status != http.StatusOK || err != nil || !res.OK || res.Token == "" {
		b.t.Fatalf("captcha/verify on %s: %d %s %v", in.name, a.status, a.body, err)
	}
	return res.Token
}

// wantAnswer fails the test unless a has the status and, for a redirect, goes
// where wanted ("" for any place), and its body contains every text in want.
func wantAnswer(t *testing.T, what string, a answer, status int, location string, want ...string) {
	t.Helper()
	if a.status != status || (location != "" && !strings.HasPrefix(a.location, location)) {
		t.Fatalf("%s: %d → %q, want %d → %q; body:\n%s", what, a.status, a.location, status, location, a.body)
	}
	for _, w := range want {
		if !strings.Contains(a.body, w) {
			t.Fatalf("%s: the page does not say %q; body:\n%.4000s", what, w, a.body)
		}
	}
}

// shanghai is where the hall's date inputs are read.
var shanghai = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

// register registers a personal account through the form on in, reading the SMS
// code through the development outbox of codeFrom (the other process).
func register(t *testing.T, br *browser, in, codeFrom *instance, idNumber, name, mobile string) {
	t.Helper()
	form := url.Values{"id_type": {string(ident.IDTypeResident)}, "id_number": {idNumber}, "name": {name}, "mobile": {mobile},
		"password": {webtest.Password}, "confirm": {webtest.Password}, "agreed": {"1"}, "action": {"send-code"}}
	wantAnswer(t, "获取验证码 on "+in.name, br.post(in, "/register", form), http.StatusOK, "", "验证码已发送至")
	form.Set("sms_code", webtest.OutboxCode(t, codeFrom.base, mobile))
	form.Set("action", "register")
	wantAnswer(t, "注册 on "+in.name, br.post(in, "/register", form), http.StatusSeeOther, "/me")
}

// seeded is what the test puts in the database before the processes start: work
// that is due for the background jobs of both.
type seeded struct {
	unitID                      int64
	legalRepMobile, agentMobile string
	expiredMembership           int64
	oldName, registryNewName    string
	smsMobile                   string // of a person who signs in by SMS code
}

// seedDueWork creates a unit with a legal rep, an agent whose grant ends in three
// days (a reminder is due), a nominee whose invitation ran out a day ago (an expiry
// is due), and a registry entry that renames the unit (a registry change is due);
// and a person with no part in these, who signs in by SMS code.
func seedDueWork(t *testing.T, db *store.DB, rnd *rand.Rand) seeded {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	var s seeded
	personOf := func(name string) (int64, string, string) {
		idn := ident.GenerateResidentID(rnd, "320102", time.Date(1975+rnd.IntN(25), 1, 1+rnd.IntN(300), 0, 0, 0, 0, time.UTC), rnd.IntN(2) == 0)
		mobile := ident.GenerateMobile(rnd)
		var id int64
		if err := db.Tx(ctx, func(tx *store.Tx) (err error) {
			id, err = person.Insert(ctx, tx, person.Row{IDType: "resident", IDNumber: idn, Name: name, Mobile: mobile,
				CreatedAt: store.Time(now)})
			return err
		}); err != nil {
			t.Fatalf("person: %v", err)
		}
		return id, idn, mobile
	}
	rep, repIDN, repMobile := personOf("柏青")
	agent, _, agentMobile := personOf("程远")
	nominee, _, _ := personOf("邓澜")
	_, _, s.smsMobile = personOf("龚岚")
	s.legalRepMobile, s.agentMobile = repMobile, agentMobile
	uscc := ident.GenerateUSCC(rnd, "320102")
	s.oldName, s.registryNewName = "示范双实例科技有限公司", "示范双实例信息技术有限公司"
	err := db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO units (uscc, unit_number, name, unit_type, region, created_at, updated_at)
			VALUES (?, ?, ?, ?, '320102', ?, ?) RETURNING id`, uscc, "3201029900001", s.oldName,
			string(registry.UnitEnterprise), store.Time(now), store.Time(now)).Scan(&s.unitID); err != nil {
			return err
		}
		member := func(person int64, role, status string, until *time.Time, created time.Time) (int64, error) {
			var confirmed any
			if status == "active" {
				confirmed = store.Time(created)
			}
			var invitedBy, untilAt any
			if role != "legal_rep" {
				invitedBy = rep
			}
			if until != nil {
				untilAt = store.Time(*until)
			}
			var id int64
			err := tx.QueryRow(ctx, `INSERT INTO memberships (unit_id, person_id, role, status, valid_until, invited_by, created_at, confirmed_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, s.unitID, person, role, status, untilAt, invitedBy,
				store.Time(created), confirmed).Scan(&id)
			return id, err
		}
		if _, err := member(rep, "legal_rep", "active", nil, now.Add(-400*24*time.Hour)); err != nil {
			return err
		}
		ends := now.Add(3 * 24 * time.Hour)
		if _, err := member(agent, "agent", "active", &ends, now.Add(-60*24*time.Hour)); err != nil {
			return err
		}
		invited := now.Add(-8 * 24 * time.Hour)
		far := now.Add(300 * 24 * time.Hour)
		var err error
		if s.expiredMembership, err = member(nominee, "agent", "pending", &far, invited); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO invitations (id, membership_id, invited_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, token.New()[:32], s.expiredMembership, rep, store.Time(invited),
			store.Time(invited.Add(7*24*time.Hour))); err != nil {
			return err
		}
		// The legal representative sealed under the processes' data key, as the
		// development registry keeps it.
		keys := twoInstanceDataKeys()
		_, err = tx.Exec(ctx, `INSERT INTO registry_entries (uscc, name, unit_type, legal_rep_id_type, legal_rep_id_number,
			legal_rep_name, registered_at, region, status, updated_at) VALUES (?, ?, ?, 'resident', ?, ?, ?, '320102', 'active', ?)`,
			uscc, s.registryNewName, string(registry.UnitEnterprise),
			keys.SealString(registry.Place(registry.ColumnLegalRepIDNumber, uscc), repIDN),
			keys.SealString(registry.Place(registry.ColumnLegalRepName, uscc), "柏青"),
			store.Time(now.Add(-3000*24*time.Hour)), store.Time(now))
		return err
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return s
}

// TestTwoInstancesOnePostgres runs two `hall serve` processes on one PostgreSQL
// database, as a deployment behind a load balancer does, and checks that they act
// as one hall: an account, a session, an SMS code, a captcha pass, a face
// verification, an invitation, a recovery flow and the login throttle's counts
// made on one are honoured on the other, and the background jobs both run
// (delegation reminders and expiry, registry sync) do their work once. The
// sweeps (cmd/hall/sweep.go) run every ten minutes, too late for the test; each is
// one idempotent DELETE.
func TestTwoInstancesOnePostgres(t *testing.T) {
	ctx := context.Background()
	dbURL := storetest.PostgresURL(t)
	if err := run(ctx, append([]string{"migrate", "--database-url", dbURL, "--data-dir", t.TempDir(), "--log-level", "warn"}, twoInstanceKeys...)); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	db := openTestDatabase(t, dbURL)
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	rnd := rand.New(rand.NewPCG(2026, 12))
	due := seedDueWork(t, db, rnd)

	// Both start together, so that their first rounds of the background jobs, which
	// run at once on start, meet on the same due work.
	dataDir := t.TempDir()
	a, b := startInstance(t, "A", dbURL, dataDir), startInstance(t, "B", dbURL, dataDir)
	a.waitReady(t)
	b.waitReady(t)

	t.Run("background jobs act once", func(t *testing.T) {
		for _, in := range []*instance{a, b} {
			in.waitLog(t, `msg="delegation: round done"`)
			in.waitLog(t, `msg="registry sync: round done"`)
		}
		if n := count(`SELECT COUNT(*) FROM audit_log WHERE action = 'delegation.expire'`); n != 1 {
			t.Errorf("%d expiry audit records for one expired invitation", n)
		}
		if n := count(`SELECT COUNT(*) FROM memberships WHERE id = ? AND status = 'revoked'`, due.expiredMembership); n != 1 {
			t.Errorf("the expired nomination was not revoked")
		}
		if n := count(`SELECT COUNT(*) FROM audit_log WHERE action = 'delegation.remind'`); n != 1 {
			t.Errorf("%d reminder audit records for one grant ending soon", n)
		}
		for who, mobile := range map[string]string{"agent": due.agentMobile, "legal rep": due.legalRepMobile} {
			if n := outboxSent(t, db, mobile, "delegation-remind"); n != 1 {
				t.Errorf("the %s got %d reminder texts, want 1", who, n)
			}
		}
		if n := count(`SELECT COUNT(*) FROM audit_log WHERE action = 'registry.unit_rename'`); n != 1 {
			t.Errorf("%d rename audit records for one registry change", n)
		}
		if n := count(`SELECT COUNT(*) FROM units WHERE id = ? AND name = ?`, due.unitID, due.registryNewName); n != 1 {
			t.Errorf("the unit does not bear the registry's new name")
		}
	})

	// Every request below comes from 127.0.0.1, whose own limits stay out of the
	// way as long as the parts together send fewer than 5 SMS codes and fail fewer
	// than 10 passwords (throttle.DefaultConfig): now 3 codes and 6 failures.
	idn := ident.GenerateResidentID(rnd, "320102", time.Date(1988, 6, 9, 0, 0, 0, 0, time.UTC), true)
	mobile := ident.GenerateMobile(rnd)
	const name = "鲍思远"

	// The later parts use the account registered here.
	if !t.Run("registered on A, signed in on B", func(t *testing.T) {
		br := newBrowser(t)
		register(t, br, a, b, idn, name, mobile)
		// The session made on A is known to B.
		wantAnswer(t, "个人中心 on B after registering on A", br.get(b, "/me"), http.StatusOK, "")

		other := newBrowser(t)
		wantAnswer(t, "password login on B", other.post(b, "/login/person", url.Values{"login": {idn}, "password": {webtest.Password},
			"action": {"login"}}), http.StatusSeeOther, "/me")
		wantAnswer(t, "个人中心 on A after signing in on B", other.get(a, "/me"), http.StatusOK, "")
	}) {
		t.FailNow()
	}

	nomineeIDN := ident.GenerateResidentID(rnd, "320102", time.Date(1993, 3, 21, 0, 0, 0, 0, time.UTC), false)
	nomineeMobile := ident.GenerateMobile(rnd)
	const nomineeName = "贺知秋"
	t.Run("agent added on A, confirmed in the app on B", func(t *testing.T) {
		// The person registered above is the legal rep of a unit opened for them.
		uscc := ident.GenerateUSCC(rnd, "320102")
		var unitID int64
		err := db.Tx(ctx, func(tx *store.Tx) error {
			now := store.Time(time.Now())
			if err := tx.QueryRow(ctx, `INSERT INTO units (uscc, unit_number, name, unit_type, region, created_at, updated_at)
				VALUES (?, '3201029900002', '示范双实例贸易有限公司', ?, '320102', ?, ?) RETURNING id`,
				uscc, string(registry.UnitEnterprise), now, now).Scan(&unitID); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO memberships (unit_id, person_id, role, status, created_at, confirmed_at)
				SELECT ?, id, 'legal_rep', 'active', ?, ? FROM persons WHERE id_number_index = ?`, unitID, now, now,
				person.IDNumberIndex(db.Keys(), idn))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		register(t, newBrowser(t), b, a, nomineeIDN, nomineeName, nomineeMobile)

		desk := newBrowser(t)
		wantAnswer(t, "单位登录 on A", desk.post(a, "/login/unit", url.Values{"account": {uscc}, "login": {idn},
			"password": {webtest.Password}, "action": {"login"}}), http.StatusSeeOther, "")
		today := time.Now().In(shanghai)
		wantAnswer(t, "添加经办人 on A", desk.post(a, "/unit/agents/new", url.Values{"name": {nomineeName},
			"id_type": {string(ident.IDTypeResident)}, "id_number": {nomineeIDN}, "mobile": {nomineeMobile}, "items": {"SB-001"},
			"valid_from": {today.Format("2006-01-02")}, "valid_until": {today.AddDate(0, 0, 90).Format("2006-01-02")}}),
			http.StatusSeeOther, "/unit/agents?notice=agent_added")
		if n := outboxSent(t, db, nomineeMobile, "delegation-invite"); n != 1 {
			t.Fatalf("the nominee got %d invitation texts", n)
		}
		var invitation string
		if err := db.QueryRow(ctx, `SELECT i.id FROM invitations i JOIN memberships m ON m.id = i.membership_id
			JOIN persons p ON p.id = m.person_id WHERE m.unit_id = ? AND p.id_number_index = ?`, unitID,
			person.IDNumberIndex(db.Keys(), nomineeIDN)).Scan(&invitation); err != nil {
			t.Fatalf("the invitation: %v", err)
		}

		// In the app, behind the same load balancer: signed in on B, the face
		// verification started on B and passed on A, the invitation confirmed on B.
		phone := newBrowser(t)
		wantAnswer(t, "app login on B", phone.post(b, "/app/login", url.Values{"login": {nomineeIDN},
			"password": {webtest.Password}, "next": {"/app/"}}), http.StatusSeeOther, "")
		started := phone.post(b, "/app/me/agent/"+invitation+"/verify", url.Values{})
		wantAnswer(t, "start the verification on B", started, http.StatusSeeOther, "/app/v/")
		session, _, _ := strings.Cut(strings.TrimPrefix(started.location, "/app/v/"), "?")
		wantAnswer(t, "pass the verification on A", phone.post(a, "/app/v/"+session, url.Values{"decision": {"approve"}}),
			http.StatusSeeOther, "/app/v/")
		wantAnswer(t, "confirm on B", phone.post(b, "/app/me/agent/"+invitation, url.Values{"verification": {session},
			"password": {webtest.AgentPassword}, "confirm": {webtest.AgentPassword}}), http.StatusSeeOther, "/app/me/agent?notice=confirmed")
		if n := count(`SELECT COUNT(*) FROM memberships m JOIN persons p ON p.id = m.person_id
			WHERE m.unit_id = ? AND p.id_number_index = ? AND m.status = 'active' AND m.role = 'agent'`, unitID,
			person.IDNumberIndex(db.Keys(), nomineeIDN)); n != 1 {
			t.Fatal("the agent's membership is not active after confirming")
		}
		// The agent signs in to the unit on A with the unit password set on B.
		wantAnswer(t, "agent's 单位登录 on A", newBrowser(t).post(a, "/login/unit", url.Values{"account": {uscc},
			"login": {nomineeIDN}, "password": {webtest.AgentPassword}, "action": {"login"}}), http.StatusSeeOther, "")
	})

	t.Run("password recovered across both", func(t *testing.T) {
		if count(`SELECT COUNT(*) FROM persons WHERE id_number_index = ?`, person.IDNumberIndex(db.Keys(), nomineeIDN)) != 1 {
			t.Skip("the agent's account was not registered (see above)")
		}
		br := newBrowser(t)
		started := br.post(a, "/recover", url.Values{"kind": {"person"}, "id_type": {string(ident.IDTypeResident)},
			"id_number": {nomineeIDN}, "name": {nomineeName}})
		wantAnswer(t, "找回密码 on A", started, http.StatusSeeOther, "/recover/")
		flow := started.location
		wantAnswer(t, "the recovery's captcha on B", br.post(b, flow+"/captcha", url.Values{
			captcha.FormField: {br.solveCaptchaFor(a, db, "recover", 4)}}), http.StatusSeeOther, flow)
		page := br.get(b, flow)
		m := regexp.MustCompile(`data-verify-wait="` + regexp.QuoteMeta(flow) + `/wait\?session=([A-Za-z0-9_-]+)"`).FindStringSubmatch(page.body)
		if page.status != http.StatusOK || m == nil {
			t.Fatalf("the face step on B: %d, no verification session; body:\n%s", page.status, page.body)
		}
		session := m[1]
		// The person confirms in the app, signed in on A.
		phone := newBrowser(t)
		wantAnswer(t, "app login on A", phone.post(a, "/app/login", url.Values{"login": {nomineeIDN},
			"password": {webtest.Password}, "next": {"/app/"}}), http.StatusSeeOther, "")
		wantAnswer(t, "pass the verification on A", phone.post(a, "/app/v/"+session, url.Values{"decision": {"approve"}}),
			http.StatusSeeOther, "/app/v/")
		wantAnswer(t, "the wait on B", br.get(b, flow+"/wait?session="+session), http.StatusOK, "", `"passed"`)
		wantAnswer(t, "verified on A", br.post(a, flow+"/verified", url.Values{}), http.StatusSeeOther, flow)
		wantAnswer(t, "new password on B", br.post(b, flow, url.Values{"new_password": {webtest.RecoveryNewPassword},
			"confirm": {webtest.RecoveryNewPassword}}), http.StatusSeeOther, "/recover/done")
		wantAnswer(t, "login with the new password on A", newBrowser(t).post(a, "/login/person", url.Values{"login": {nomineeIDN},
			"password": {webtest.RecoveryNewPassword}, "action": {"login"}}), http.StatusSeeOther, "/me")
		wantAnswer(t, "login with the old password on B", newBrowser(t).post(b, "/login/person", url.Values{"login": {nomineeIDN},
			"password": {webtest.Password}, "action": {"login"}}), http.StatusUnprocessableEntity, "", "账号或密码错误")
	})

	t.Run("SMS code sent by A accepted by B", func(t *testing.T) {
		// Another person than the one just registered: a mobile gets one code a
		// minute.
		mobile := due.smsMobile
		br := newBrowser(t)
		wantAnswer(t, "获取验证码 on A", br.post(a, "/login/sms", url.Values{"mobile": {mobile}, "action": {"send-code"}}),
			http.StatusOK, "", "验证码已发送至")
		code := webtest.OutboxCode(t, a.base, mobile)
		// Posted to B as a browser without Sec-Fetch-Site, with the CSRF token of a
		// page A drew: no server key is involved, so every process takes it.
		csrf := br.csrfToken(a, "/login?tab=person")
		wantAnswer(t, "SMS login on B", br.legacyPost(b, "/login/sms", url.Values{"mobile": {mobile}, "sms_code": {code},
			"action": {"login"}, "csrf_token": {csrf}}), http.StatusSeeOther, "/me")
		wantAnswer(t, "个人中心 on A", br.get(a, "/me"), http.StatusOK, "")
	})

	t.Run("failed passwords counted across both", func(t *testing.T) {
		br := newBrowser(t)
		guess := func(in *instance, password, captchaToken string) answer {
			t.Helper()
			form := url.Values{"login": {idn}, "password": {password}, "action": {"login"}}
			if captchaToken != "" {
				form.Set(captcha.FormField, captchaToken)
			}
			return br.post(in, "/login/person", form)
		}
		const wrong, paused = "Wrong-Guess-2026", "登录尝试已暂停"
		// Three failures, alternating: the account's limits are 3 before the
		// captcha and 5 before the pause (throttle.DefaultConfig).
		for _, in := range []*instance{a, b, a} {
			wantAnswer(t, "wrong password on "+in.name, guess(in, wrong, ""), http.StatusUnprocessableEntity, "", "账号或密码错误")
		}
		// B asks for the captcha: it counted A's failures.
		wantAnswer(t, "fourth guess on B without captcha", guess(b, wrong, ""), http.StatusUnprocessableEntity, "", "请先拖动滑块完成拼图验证")
		// A pass drawn on A is taken by B, and the other way round.
		wantAnswer(t, "fourth guess on B", guess(b, wrong, br.solveCaptcha(a, db, 1)), http.StatusUnprocessableEntity, "", "账号或密码错误")
		wantAnswer(t, "fifth guess on A", guess(a, wrong, br.solveCaptcha(b, db, 2)), http.StatusUnprocessableEntity, "", paused)
		// The account is paused on both: the right password is not even checked.
		wantAnswer(t, "right password on B while paused", guess(b, webtest.Password, br.solveCaptcha(a, db, 3)), http.StatusUnprocessableEntity, "", paused)
		wantAnswer(t, "right password on A while paused", guess(a, webtest.Password, ""), http.StatusUnprocessableEntity, "", paused)
	})

	t.Run("audit chain intact", func(t *testing.T) {
		// The processes' data directory: the anchors both wrote are checked too.
		if err := run(ctx, append([]string{"audit", "verify", "--database-url", dbURL, "--data-dir", dataDir, "--log-level", "warn"}, twoInstanceKeys...)); err != nil {
			t.Fatalf("audit verify after two processes wrote: %v", err)
		}
	})
}
