package demo_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"hall/internal/auth"
	"hall/internal/config"
	"hall/internal/delivery"
	"hall/internal/demo"
	"hall/internal/ident"
	"hall/internal/legacy"
	"hall/internal/services"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

func TestLoadIsIdempotentAndAccountsWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cfg := config.Defaults()
		cfg.DataDir = t.TempDir() // not ./data in the source tree
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		svc, err := services.Build(cfg, db, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		// As `hall serve` does: the catalog first, since the demo agent's grants name
		// catalog items.
		if err := svc.Catalog.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		first, err := demo.Load(ctx, demo.Deps{Services: svc})
		if err != nil {
			t.Fatal(err)
		}
		if len(first.Loaded) == 0 || len(first.Present) != 0 {
			t.Fatalf("first load: loaded %v, present %v", first.Loaded, first.Present)
		}
		second, err := demo.Load(ctx, demo.Deps{Services: svc})
		if err != nil {
			t.Fatal(err)
		}
		if len(second.Loaded) != 0 || len(second.Present) != len(first.Loaded) {
			t.Fatalf("second load: loaded %v, present %v", second.Loaded, second.Present)
		}
		// 单位快递: the first unit's three demo deliveries, 已签收, 运输中 and 待揽收,
		// all handed to the development carrier; a second load changed nothing.
		var unitA int64
		if err := db.QueryRow(ctx, `SELECT id FROM units WHERE uscc = ?`, strings.Fields(second.Accounts[0].Unit)[len(strings.Fields(second.Accounts[0].Unit))-1]).Scan(&unitA); err != nil {
			t.Fatal(err)
		}
		ds, total, err := svc.Deliveries.UnitDeliveries(ctx, unitA, delivery.Filter{})
		if err != nil || total != 3 {
			t.Fatalf("demo deliveries: %d, %v", total, err)
		}
		statuses := map[delivery.Status]int{}
		for _, d := range ds {
			statuses[d.Status]++
			if d.Carrier != delivery.DevCarrierName || d.TrackingNo == "" || d.LastError != "" || d.Address == "" {
				t.Errorf("demo delivery not with the development carrier: %+v", d)
			}
		}
		if want := map[delivery.Status]int{delivery.StatusSigned: 1, delivery.StatusInTransit: 1, delivery.StatusPending: 1}; !maps.Equal(statuses, want) {
			t.Errorf("demo delivery statuses %v, want %v", statuses, want)
		}
		var deliveries, events, cases int
		if err := db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM deliveries), (SELECT COUNT(*) FROM delivery_events), (SELECT COUNT(*) FROM cases)`).Scan(&deliveries, &events, &cases); err != nil {
			t.Fatal(err)
		}
		// Three enrolments posted, and the institution's two counter cases.
		if deliveries != 3 || cases != 3+2 || events != 1+4+1+2+1 {
			t.Errorf("after two loads: %d deliveries, %d delivery events, %d cases", deliveries, events, cases)
		}
		// 机构管理: the first unit's institution, open with its password chosen, and
		// its two cases entered at the counter.
		var institutions, own int
		var number string
		if err := db.QueryRow(ctx, `SELECT COUNT(*), MIN(number), (SELECT COUNT(*) FROM cases WHERE institution_id IS NOT NULL)
			FROM institutions WHERE unit_id = ? AND status = 'open' AND must_change_password = ?`, unitA, false).Scan(&institutions, &number, &own); err != nil {
			t.Fatal(err)
		}
		if institutions != 1 || own != 2 {
			t.Errorf("demo institutions: %d, with %d cases; want 1 with 2", institutions, own)
		}

		// The demo's clerk and reviewer, named by its cases, are disabled: nobody signs
		// in as them.
		var staffAccounts, enabled int
		if err := db.QueryRow(ctx, `SELECT COUNT(*), COUNT(*) - COUNT(disabled_at) FROM staff`).Scan(&staffAccounts, &enabled); err != nil {
			t.Fatal(err)
		}
		if staffAccounts != 2 || enabled != 0 {
			t.Errorf("demo staff: %d accounts, %d enabled; want 2, none enabled", staffAccounts, enabled)
		}

		var persons, units, registry int
		if err := db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM persons), (SELECT COUNT(*) FROM units), (SELECT COUNT(*) FROM registry_entries)`).Scan(&persons, &units, &registry); err != nil {
			t.Fatal(err)
		}
		// Five persons and two units, and the small unit with its legal rep.
		if persons != 6 || units != 3 || registry == 0 {
			t.Fatalf("persons=%d units=%d registry=%d after two loads", persons, units, registry)
		}
		// 公示公告: a handful, published, the 稳岗返还 list naming invented units.
		latest, err := svc.NoticeBoard.Latest(ctx, 10)
		if err != nil || len(latest) != 6 || latest[0].Title != "2027年度社会保险缴费基数公布" {
			t.Fatalf("demo notices %d, %v", len(latest), err)
		}
		// 我的工作台: the first demo unit has one plan waiting for its candidates,
		// after two loads still one.
		var todo int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM skill_plans WHERE state = 'entry' AND unit_id = ?`, unitA).Scan(&todo); err != nil {
			t.Fatal(err)
		}
		if todo != 1 {
			t.Fatalf("the demo unit has %d plans in 考生录入, want 1", todo)
		}
		// The demo agent has a business scope, so the unit center shows granted and
		// refused items side by side.
		var grants int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM grants g JOIN memberships m ON m.id = g.membership_id WHERE m.role = 'agent'`).Scan(&grants); err != nil {
			t.Fatal(err)
		}
		if grants != 3 {
			t.Fatalf("demo agent has %d granted items, want 3", grants)
		}

		// The insurance read model: the first registered demo unit pays for about
		// 3,000 employees in the last month, the others for fewer; 36 months each.
		var largeUSCC string
		var largest, unitsWithData, months int
		if err := db.QueryRow(ctx, `SELECT uscc, COUNT(DISTINCT id_number) FROM insurance_payments
			WHERE month = (SELECT MAX(month) FROM insurance_payments) GROUP BY uscc ORDER BY 2 DESC LIMIT 1`).Scan(&largeUSCC, &largest); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `SELECT COUNT(DISTINCT uscc), COUNT(DISTINCT month) FROM insurance_payments`).Scan(&unitsWithData, &months); err != nil {
			t.Fatal(err)
		}
		if fields := strings.Fields(second.Accounts[0].Unit); largeUSCC != fields[len(fields)-1] ||
			largest != demo.InsuranceLargeUnit || unitsWithData < 4 || months != 36 {
			t.Fatalf("insurance demo: largest unit %s with %d employees, %d units, %d months", largeUSCC, largest, unitsWithData, months)
		}

		// Every listed account has valid check digits and the unit logins work as
		// listed: legal rep with the account password, admin with the unit password.
		accts := second.Accounts
		// The logins below check the listed passwords and sign nobody in.
		checkOnly := auth.Attempt{ClientAddr: "127.0.0.1", Start: func(context.Context, auth.Subject, auth.Verified) error { return nil }}
		if len(accts) < 5 {
			t.Fatalf("only %d demo accounts listed", len(accts))
		}
		for _, a := range accts {
			if a.Kind == "历史账户" {
				// The legacy hall's login (历史单位用户升级): its old password checks.
				if _, err := legacy.NewStore(db, nil).Check(ctx, a.Login, a.Password); err != nil {
					t.Errorf("demo legacy account %s: %v", a.Login, err)
				}
				continue
			}
			id, _, _ := strings.Cut(a.Login, " / ")
			if _, err := ident.ValidateID(ident.IDTypeResident, id, svc.Now()); err != nil {
				t.Errorf("demo account %s has an invalid ID number: %v", a.Person, err)
			}
		}
		for _, a := range accts[:2] {
			id, _, _ := strings.Cut(a.Login, " / ")
			fields := strings.Fields(a.Unit)
			uscc := fields[len(fields)-1]
			subj, err := svc.Login.Unit(ctx, uscc, id, a.Password, checkOnly)
			if err != nil || subj.UnitID == 0 {
				t.Fatalf("demo login %s (%s) failed: %v", a.Person, a.Role, err)
			}
		}
		// The small unit of QUALITY.md's 50-employee rights record: one listed unit
		// whose last month pays for SmallUnitEmployees, and its legal rep signs in as
		// listed.
		small := 0
		for _, a := range accts {
			if a.Kind != "单位" || a.Role != "法定代表人" {
				continue
			}
			fields := strings.Fields(a.Unit)
			uscc := fields[len(fields)-1]
			var employees int
			if err := db.QueryRow(ctx, `SELECT COUNT(DISTINCT id_number) FROM insurance_payments
				WHERE uscc = ? AND month = (SELECT MAX(month) FROM insurance_payments)`, uscc).Scan(&employees); err != nil {
				t.Fatal(err)
			}
			if employees != demo.SmallUnitEmployees {
				continue
			}
			small++
			id, _, _ := strings.Cut(a.Login, " / ")
			subj, err := svc.Login.Unit(ctx, uscc, id, a.Password, checkOnly)
			if err != nil || subj.UnitID == 0 {
				t.Fatalf("demo login of the small unit's legal rep %s failed: %v", a.Person, err)
			}
		}
		if small != 1 {
			t.Errorf("%d listed units with %d employees, want 1", small, demo.SmallUnitEmployees)
		}
		// The institution's login as listed: its number, the operator's mobile, the
		// listed password.
		listed := 0
		for _, a := range accts {
			if a.Kind != "机构" {
				continue
			}
			listed++
			_, mobile, _ := strings.Cut(a.Login, " / ")
			subj, err := svc.Login.Unit(ctx, number, mobile, a.Password, checkOnly)
			if err != nil || !subj.Institution() || subj.UnitID != unitA {
				t.Fatalf("demo institution login: %+v, %v", subj, err)
			}
		}
		if listed != 1 {
			t.Errorf("%d institution logins listed, want 1", listed)
		}
	})
}
