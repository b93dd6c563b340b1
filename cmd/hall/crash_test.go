package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/web/webtest"
)

// crashRounds is how often each engine's hall is killed; HALL_CRASH_ROUNDS raises
// or lowers it (issue 16 asks for 20 a run where time allows).
func crashRounds(t *testing.T) int {
	if s := os.Getenv("HALL_CRASH_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("HALL_CRASH_ROUNDS=%q: want a count ≥ 1", s)
		}
		return n
	}
	return crashRoundsDefault
}

// TestCrashSIGKILL runs `hall serve` under registration, SMS and password login and
// delegation load, kills it with SIGKILL at a random moment of the load, starts it
// again on the same data, and checks after every crash that
//   - the process starts, migrates (nothing left to apply) and becomes ready;
//   - `hall audit verify` passes: the chain and the anchors written before the kill;
//   - every write the hall answered with success before the kill is in the
//     database: an SMS code sent, an account registered, a login's session and its
//     audit record, an agent added with its grants, invitation and audit record;
//   - nothing is half-written: no person registered without its audit record, no
//     pending agent without its invitation, grants and audit record; the SPEC §9
//     invariants hold;
//   - the kills landed mid-request (some requests got no answer).
//
// and that a restart is ready within readyBound (the median; the slowest within
// three times that). On SQLite and, when reachable,
// PostgreSQL.
func TestCrashSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills hall serve processes")
	}
	t.Run("sqlite", func(t *testing.T) {
		dataDir := t.TempDir()
		crashTest(t, "sqlite:"+filepath.Join(dataDir, "hall.db"), dataDir)
	})
	t.Run("postgres", func(t *testing.T) {
		crashTest(t, storetest.PostgresURL(t), t.TempDir())
	})
}

// crashLedger is what the hall acknowledged, by kind; the workers add to it only
// after a complete answer of success.
type crashLedger struct {
	mu         sync.Mutex
	codesSent  []string // mobiles an SMS code was sent to (200 验证码已发送至)
	registered []string // ID numbers registered (303 to /me)
	smsLogins  []string // mobiles signed in by SMS code (303 to /me)
	repLogins  int      // password logins of the legal rep, personal and unit (303)
	agents     []string // ID numbers of nominees added as agents (303 agent_added)
}

func (l *crashLedger) add(f func(*crashLedger)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f(l)
}

// crashPeople hands out the people the load acts for, each once.
type crashPeople struct {
	mu       sync.Mutex
	rnd      *rand.Rand
	next     atomic.Int64 // for the client addresses
	smsReady []crashPerson
	nominees []crashPerson
}

type crashPerson struct{ idNumber, name, mobile string }

func (p *crashPeople) fresh() crashPerson {
	p.mu.Lock()
	defer p.mu.Unlock()
	born := time.Date(1960+p.rnd.IntN(40), time.Month(1+p.rnd.IntN(12)), 1+p.rnd.IntN(28), 0, 0, 0, 0, time.UTC)
	return crashPerson{idNumber: ident.GenerateResidentID(p.rnd, "320102", born, p.rnd.IntN(2) == 0),
		name: "韦" + string([]rune("甲乙丙丁戊己庚辛壬癸")[p.rnd.IntN(10)]) + "明", mobile: ident.GenerateMobile(p.rnd)}
}

// intN is a random number below n from the people's source, which the workers
// share.
func (p *crashPeople) intN(n int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rnd.IntN(n)
}

func (p *crashPeople) uscc() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return ident.GenerateUSCC(p.rnd, "320102")
}

func (p *crashPeople) take(from *[]crashPerson) (crashPerson, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(*from) == 0 {
		return crashPerson{}, false
	}
	c := (*from)[0]
	*from = (*from)[1:]
	return c, true
}

// addr is a client address of its own for every operation, named in
// X-Forwarded-For (the process trusts 127.0.0.1 as its proxy): the per-address
// limits stay out of the way of a load that comes from one host.
func (p *crashPeople) addr() string {
	n := p.next.Add(1)
	return fmt.Sprintf("198.18.%d.%d", n/250%250, 1+n%250)
}

// crashClient is a browser without JavaScript whose requests may fail: the process
// is killed under it. Errors are returned, not fatal.
type crashClient struct {
	base   string
	addr   string
	client *http.Client
}

// crashCut counts the requests the kills cut off (no complete answer): the proof
// that the kills landed under load, mid-request.
var crashCut atomic.Int64

func newCrashClient(base, addr string) *crashClient {
	jar, _ := cookiejar.New(nil) // cookiejar.New never fails without options
	return &crashClient{base: base, addr: addr, client: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *crashClient) post(path string, form url.Values) (answer, error) {
	r, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return answer{}, err
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.Header.Set("X-Forwarded-For", c.addr)
	resp, err := c.client.Do(r)
	if err != nil {
		crashCut.Add(1)
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		crashCut.Add(1)
		return answer{}, err
	}
	return answer{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body)}, nil
}

var crashCode = regexp.MustCompile(`验证码为(\d{6})`)

// latestCode reads the newest code texted to mobile from the development outbox
// (its table holds the texts sealed under the processes' data key).
func latestCode(ctx context.Context, db *store.DB, mobile string) (string, error) {
	msg, err := testOutbox(db).Latest(ctx, mobile)
	if err != nil {
		return "", err
	}
	m := crashCode.FindStringSubmatch(msg.Text)
	if m == nil {
		return "", fmt.Errorf("no code in %q", msg.Text)
	}
	return m[1], nil
}

func crashTest(t *testing.T, dbURL, dataDir string) {
	ctx := context.Background()
	common := []string{"--database-url", dbURL, "--data-dir", dataDir, "--log-level", "warn"}
	if err := run(ctx, append(append([]string{"migrate"}, common...), twoInstanceKeys...)); err != nil {
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

	people := &crashPeople{rnd: rand.New(rand.NewPCG(16, 9))}
	now := time.Now().UTC()
	// People who sign in by SMS code and nominees for agents: in the database
	// already, as the registry import or an earlier registration would leave them.
	for i := range 240 {
		p := people.fresh()
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			_, err := person.Insert(ctx, tx, person.Row{IDType: "resident", IDNumber: p.idNumber, Name: p.name,
				Mobile: p.mobile, CreatedAt: store.Time(now)})
			return err
		}); err != nil {
			t.Fatalf("person: %v", err)
		}
		if i%2 == 0 {
			people.smsReady = append(people.smsReady, p)
		} else {
			people.nominees = append(people.nominees, p)
		}
	}

	extra := []string{"--trusted-proxies", "127.0.0.1/32",
		"--audit-anchor-every", "10s"}
	rounds := crashRounds(t)
	ledger := &crashLedger{}
	cutBefore := crashCut.Load()
	rep := people.fresh()
	// registerByForm registers p through the form (code, then the form with it),
	// failing the test when the hall does not take it.
	registerByForm := func(in *instance, p crashPerson, who string) {
		c := newCrashClient(in.base, people.addr())
		if a, err := c.post("/register", url.Values{"id_type": {string(ident.IDTypeResident)}, "id_number": {p.idNumber},
			"name": {p.name}, "mobile": {p.mobile}, "action": {"send-code"}}); err != nil || a.status != http.StatusOK {
			t.Fatalf("%s's code: %v %d", who, err, a.status)
		}
		code, err := latestCode(ctx, db, p.mobile)
		if err != nil {
			t.Fatal(err)
		}
		if a, err := c.post("/register", url.Values{"id_type": {string(ident.IDTypeResident)}, "id_number": {p.idNumber},
			"name": {p.name}, "mobile": {p.mobile}, "password": {webtest.Password}, "confirm": {webtest.Password},
			"agreed": {"1"}, "sms_code": {code}, "action": {"register"}}); err != nil || a.status != http.StatusSeeOther {
			t.Fatalf("%s's registration: %v %d", who, err, a.status)
		}
	}
	var readies []time.Duration
	for round := range rounds {
		started := time.Now()
		in := startInstance(t, fmt.Sprintf("round %d", round+1), dbURL, dataDir, extra...)
		in.waitReady(t)
		readies = append(readies, time.Since(started))
		if round > 0 {
			crashCheck(t, in, db, ledger, count, common, round)
		}
		if round == 0 {
			// The legal rep registers through the form, as anyone does.
			registerByForm(in, rep, "the rep")
			ledger.add(func(l *crashLedger) { l.registered = append(l.registered, rep.idNumber) })
		}
		// A unit of its own each round: a unit takes ten agents at most.
		uscc := people.uscc()
		if _, err := db.Exec(ctx, `INSERT INTO units (uscc, unit_number, name, unit_type, region, created_at, updated_at)
			VALUES (?, ?, ?, ?, '320102', ?, ?)`, uscc, fmt.Sprintf("32010299%05d", round+1), fmt.Sprintf("示范崩溃测试%d号有限公司", round+1),
			string(registry.UnitEnterprise), store.Time(now), store.Time(now)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO memberships (unit_id, person_id, role, status, created_at, confirmed_at)
			SELECT u.id, p.id, 'legal_rep', 'active', ?, ? FROM units u, persons p WHERE u.uscc = ? AND p.id_number_index = ?`,
			store.Time(now), store.Time(now), uscc, person.IDNumberIndex(db.Keys(), rep.idNumber)); err != nil {
			t.Fatal(err)
		}

		loadCtx, stopLoad := context.WithCancel(ctx)
		var acks atomic.Int64
		var wg sync.WaitGroup
		worker := func(op func(*crashClient) bool) {
			wg.Go(func() {
				for loadCtx.Err() == nil {
					if !op(newCrashClient(in.base, people.addr())) {
						return
					}
					acks.Add(1)
				}
			})
		}
		register := func(c *crashClient) bool {
			p := people.fresh()
			form := url.Values{"id_type": {string(ident.IDTypeResident)}, "id_number": {p.idNumber}, "name": {p.name},
				"mobile": {p.mobile}, "password": {webtest.Password}, "confirm": {webtest.Password}, "agreed": {"1"}, "action": {"send-code"}}
			a, err := c.post("/register", form)
			if err != nil || a.status != http.StatusOK || !strings.Contains(a.body, "验证码已发送至") {
				return false
			}
			ledger.add(func(l *crashLedger) { l.codesSent = append(l.codesSent, p.mobile) })
			code, err := latestCode(ctx, db, p.mobile)
			if err != nil {
				return false
			}
			form.Set("sms_code", code)
			form.Set("action", "register")
			if a, err := c.post("/register", form); err != nil || a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/me") {
				return false
			}
			ledger.add(func(l *crashLedger) { l.registered = append(l.registered, p.idNumber) })
			return true
		}
		smsLogin := func(c *crashClient) bool {
			p, ok := people.take(&people.smsReady)
			if !ok {
				return false
			}
			a, err := c.post("/login/sms", url.Values{"mobile": {p.mobile}, "action": {"send-code"}})
			if err != nil || a.status != http.StatusOK || !strings.Contains(a.body, "验证码已发送至") {
				return false
			}
			ledger.add(func(l *crashLedger) { l.codesSent = append(l.codesSent, p.mobile) })
			code, err := latestCode(ctx, db, p.mobile)
			if err != nil {
				return false
			}
			if a, err := c.post("/login/sms", url.Values{"mobile": {p.mobile}, "sms_code": {code}, "action": {"login"}}); err != nil ||
				a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/me") {
				return false
			}
			ledger.add(func(l *crashLedger) { l.smsLogins = append(l.smsLogins, p.mobile) })
			return true
		}
		passwordLogin := func(c *crashClient) bool {
			a, err := c.post("/login/person", url.Values{"login": {rep.idNumber}, "password": {webtest.Password}, "action": {"login"}})
			if err != nil || a.status != http.StatusSeeOther {
				return false
			}
			ledger.add(func(l *crashLedger) { l.repLogins++ })
			return true
		}
		// The desk signs in to the round's unit and adds agents until the kill.
		desk := newCrashClient(in.base, people.addr())
		deskIn := false
		addAgent := func(*crashClient) bool {
			if !deskIn {
				a, err := desk.post("/login/unit", url.Values{"account": {uscc}, "login": {rep.idNumber},
					"password": {webtest.Password}, "action": {"login"}})
				if err != nil || a.status != http.StatusSeeOther {
					return false
				}
				ledger.add(func(l *crashLedger) { l.repLogins++ })
				deskIn = true
				return true
			}
			p, ok := people.take(&people.nominees)
			if !ok {
				return false
			}
			today := time.Now().In(shanghai)
			a, err := desk.post("/unit/agents/new", url.Values{"name": {p.name}, "id_type": {string(ident.IDTypeResident)},
				"id_number": {p.idNumber}, "mobile": {p.mobile}, "items": {"SB-001"},
				"valid_from": {today.Format("2006-01-02")}, "valid_until": {today.AddDate(0, 0, 90).Format("2006-01-02")}})
			if err != nil || a.status != http.StatusSeeOther || !strings.Contains(a.location, "notice=agent_added") {
				return false
			}
			ledger.add(func(l *crashLedger) { l.agents = append(l.agents, p.idNumber) })
			// Ten agents a unit: the desk stops at eight, before the limit refuses.
			return count(`SELECT COUNT(*) FROM memberships m JOIN units u ON u.id = m.unit_id WHERE u.uscc = ? AND m.role = 'agent'`, uscc) < 8
		}
		worker(register)
		worker(register)
		worker(smsLogin)
		worker(passwordLogin)
		worker(addAgent)

		// The kill comes at a random moment once the load is under way: after a
		// few answers, then 0–400 ms more.
		deadline := time.Now().Add(15 * time.Second)
		for acks.Load() < 3 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(people.intN(400)) * time.Millisecond)
		in.kill(t)
		stopLoad()
		wg.Wait()
		if acks.Load() < 3 {
			t.Fatalf("round %d: only %d operations succeeded before the kill; log:\n%s", round+1, acks.Load(), in.log.String())
		}
	}
	// After the last kill: the hall starts again and everything holds once more.
	started := time.Now()
	in := startInstance(t, "after the last crash", dbURL, dataDir, extra...)
	in.waitReady(t)
	readies = append(readies, time.Since(started))
	crashCheck(t, in, db, ledger, count, common, rounds)
	// Ready within readyBound, typically: the median start. One start may meet a
	// busy machine (the tests of other packages run beside this one), so the slowest
	// is only held to three times the bound.
	slices.Sort(readies)
	median, slowestReady := readies[len(readies)/2], readies[len(readies)-1]
	if median > readyBound || slowestReady > 3*readyBound {
		t.Errorf("starts took %s (median) and %s (slowest) to be ready, want at most %s and %s", median, slowestReady, readyBound, 3*readyBound)
	}
	// The restarted hall takes writes: a new person registers and signs in with
	// the password. Not the rep: a login of the rep's that a kill cut off stays
	// counted as a failure on its account until the window ends (the throttle
	// reserves before the hash and fails closed), so after a few kills the rep's
	// next login may rightly ask for the slider — which a person solves and this
	// client cannot.
	after := people.fresh()
	registerByForm(in, after, "a person after the last crash")
	if a, err := newCrashClient(in.base, people.addr()).post("/login/person", url.Values{"login": {after.idNumber},
		"password": {webtest.Password}, "action": {"login"}}); err != nil || a.status != http.StatusSeeOther {
		t.Errorf("sign-in after the last crash: %v %d", err, a.status)
	}
	cut := crashCut.Load() - cutBefore
	if cut == 0 {
		t.Error("no request was cut off by a kill: the kills did not land under load")
	}
	t.Logf("%d crashes cut %d requests off; acknowledged: %d codes sent, %d registrations, %d SMS logins, %d password logins, %d agents added; start to ready: median %s, slowest %s",
		rounds, cut, len(ledger.codesSent), len(ledger.registered), len(ledger.smsLogins), ledger.repLogins, len(ledger.agents), median.Round(time.Millisecond), slowestReady.Round(time.Millisecond))
}

// crashCheck checks the data after a crash, with the process serving again (in).
func crashCheck(t *testing.T, in *instance, db *store.DB, ledger *crashLedger, count func(string, ...any) int, common []string, crashes int) {
	t.Helper()
	ctx := context.Background()
	what := fmt.Sprintf("after crash %d", crashes)
	// Migrations: the restart applied what was left (nothing); a second run finds
	// nothing to do either and succeeds.
	if err := run(ctx, append(append([]string{"migrate"}, common...), twoInstanceKeys...)); err != nil {
		t.Fatalf("%s: migrate: %v", what, err)
	}
	if err := run(ctx, append(append([]string{"audit", "verify"}, common...), twoInstanceKeys...)); err != nil {
		t.Fatalf("%s: audit verify: %v", what, err)
	}
	ledger.mu.Lock()
	defer ledger.mu.Unlock()
	for _, mobile := range ledger.codesSent {
		if outboxSent(t, db, mobile, "") == 0 {
			t.Errorf("%s: a code was sent to %s, but the outbox has no text for it", what, ident.MaskMobile(mobile))
		}
		if count(`SELECT COUNT(*) FROM sms_codes c JOIN sms_flows f ON f.id = c.flow_id WHERE f.mobile_index = ?`,
			db.Keys().Index(sealed.KindMobile, mobile)) == 0 {
			t.Errorf("%s: a code was sent to %s, but no code is stored", what, ident.MaskMobile(mobile))
		}
	}
	for _, idn := range ledger.registered {
		if count(`SELECT COUNT(*) FROM persons p JOIN audit_log a ON a.person_id = p.id AND a.action = 'person.register'
			WHERE p.id_number_index = ? AND p.password_hash <> ''`, person.IDNumberIndex(db.Keys(), idn)) != 1 {
			t.Errorf("%s: registration of %s answered, but the account or its audit record is missing", what, ident.MaskID(idn))
		}
	}
	for _, mobile := range ledger.smsLogins {
		index := person.MobileIndex(db.Keys(), mobile)
		if count(`SELECT COUNT(*) FROM sessions s JOIN persons p ON p.id = s.person_id WHERE p.mobile_index = ?`, index) == 0 ||
			count(`SELECT COUNT(*) FROM audit_log a JOIN persons p ON p.id = a.person_id
				WHERE p.mobile_index = ? AND a.action = 'login.person.sms' AND a.result = 'success'`, index) == 0 {
			t.Errorf("%s: SMS login of %s answered, but its session or audit record is missing", what, ident.MaskMobile(mobile))
		}
	}
	if n := count(`SELECT COUNT(*) FROM audit_log WHERE action IN ('login.person.password', 'login.unit.password') AND result = 'success'`); n < ledger.repLogins {
		t.Errorf("%s: %d password logins answered, %d audited", what, ledger.repLogins, n)
	}
	if n := count(`SELECT COUNT(*) FROM sessions`); n < ledger.repLogins+len(ledger.smsLogins) {
		t.Errorf("%s: %d logins answered, %d sessions stored", what, ledger.repLogins+len(ledger.smsLogins), n)
	}
	for _, idn := range ledger.agents {
		if count(`SELECT COUNT(*) FROM memberships m JOIN persons p ON p.id = m.person_id
			WHERE p.id_number_index = ? AND m.role = 'agent' AND m.status = 'pending'`, person.IDNumberIndex(db.Keys(), idn)) != 1 {
			t.Errorf("%s: agent %s added, but no pending agent membership", what, ident.MaskID(idn))
		}
	}
	// Nothing half-written, acknowledged or not.
	if n := count(`SELECT COUNT(*) FROM persons p WHERE p.password_hash <> '' AND NOT EXISTS
		(SELECT 1 FROM audit_log a WHERE a.person_id = p.id AND a.action = 'person.register')`); n != 0 {
		t.Errorf("%s: %d registered persons without their audit record", what, n)
	}
	if n := count(`SELECT COUNT(*) FROM memberships m WHERE m.role = 'agent' AND (
		NOT EXISTS (SELECT 1 FROM invitations i WHERE i.membership_id = m.id) OR
		NOT EXISTS (SELECT 1 FROM grants g WHERE g.membership_id = m.id) OR
		NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'delegation.add_agent' AND a.target = 'membership:' || m.id))`); n != 0 {
		t.Errorf("%s: %d agents without their invitation, grants or audit record", what, n)
	}
	// The SPEC §9 invariants, which the database enforces, hold.
	for what, q := range map[string]string{
		"units with more than one legal rep": `SELECT COUNT(*) FROM (SELECT unit_id FROM memberships
			WHERE role = 'legal_rep' AND status = 'active' GROUP BY unit_id HAVING COUNT(*) > 1) x`,
		"units with more than ten agents": `SELECT COUNT(*) FROM (SELECT unit_id FROM memberships
			WHERE role = 'agent' AND status IN ('pending', 'active') GROUP BY unit_id HAVING COUNT(*) > 10) x`,
		"SMS flows with more than one usable code": `SELECT COUNT(*) FROM (SELECT flow_id FROM sms_codes
			WHERE state = 'active' GROUP BY flow_id HAVING COUNT(*) > 1) x`,
	} {
		if n := count(q); n != 0 {
			t.Errorf("after crash %d: %d %s", crashes, n, what)
		}
	}
	crashCheckIdentities(t, db, what)
	// And the hall serves pages (the next round's load, or the end of the test,
	// writes).
	c := newCrashClient(in.base, "198.19.0.1")
	resp, err := c.client.Get(in.base + "/login")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: GET /login: %v", what, errors.Join(err, fmt.Errorf("status %v", resp)))
	}
	resp.Body.Close()
}

// crashCheckIdentities checks the SPEC §9 uniqueness of persons on their opened
// values — one person per ID number (of a type), a mobile belongs to one person —
// and that each row's blind indexes, which the database's unique constraints are
// on, are those of its sealed ID number and mobile.
func crashCheckIdentities(t *testing.T, db *store.DB, what string) {
	t.Helper()
	ctx := context.Background()
	keys := db.Keys()
	rows, err := db.Query(ctx, `SELECT id, id_type, id_number, id_number_index, mobile, mobile_index FROM persons ORDER BY id`)
	if err != nil {
		t.Fatalf("%s: persons: %v", what, err)
	}
	defer rows.Close()
	idNumbers := map[[2]string]int64{}
	mobiles := map[string]int64{}
	for rows.Next() {
		var id int64
		var idType string
		var sealedIDNumber, idNumberIndex, sealedMobile, mobileIndex []byte
		if err := rows.Scan(&id, &idType, &sealedIDNumber, &idNumberIndex, &sealedMobile, &mobileIndex); err != nil {
			t.Fatalf("%s: persons: %v", what, err)
		}
		idNumber, err := person.Open(keys, person.ColumnIDNumber, id, sealedIDNumber)
		if err != nil {
			t.Fatalf("%s: person %d's ID number: %v", what, id, err)
		}
		mobile, err := person.Open(keys, person.ColumnMobile, id, sealedMobile)
		if err != nil {
			t.Fatalf("%s: person %d's mobile: %v", what, id, err)
		}
		if !bytes.Equal(idNumberIndex, person.IDNumberIndex(keys, idNumber)) {
			t.Errorf("%s: person %d's ID number index is not that of its ID number", what, id)
		}
		if !bytes.Equal(mobileIndex, person.MobileIndex(keys, mobile)) {
			t.Errorf("%s: person %d's mobile index is not that of its mobile", what, id)
		}
		if other, taken := idNumbers[[2]string{idType, idNumber}]; taken {
			t.Errorf("%s: persons %d and %d have the ID number %s", what, other, id, ident.MaskID(idNumber))
		}
		idNumbers[[2]string{idType, idNumber}] = id
		if other, taken := mobiles[mobile]; taken {
			t.Errorf("%s: persons %d and %d have the mobile %s", what, other, id, ident.MaskMobile(mobile))
		}
		mobiles[mobile] = id
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: persons: %v", what, err)
	}
}
