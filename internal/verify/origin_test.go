package verify

import (
	"errors"
	"strings"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
)

// TestDescribeDevice: the common browsers of offices and phones get a short name;
// browsers that also claim to be Chrome or Safari are named for themselves.
func TestDescribeDevice(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36":                     "Windows 电脑 · Chrome",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0":       "Windows 电脑 · Edge",
		"Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko":                                                                "Windows 电脑 · IE 浏览器",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15":               "Mac 电脑 · Safari",
		"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0":                                                              "Linux 电脑 · Firefox",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49": "iPhone · 微信",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36":               "Android 手机 · Chrome",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36":                       "Linux 电脑 · Chrome",
		"curl/8.5.0": "未知设备",
		"":           "未知设备",
	} {
		if got := DescribeDevice(ua); got != want {
			t.Errorf("DescribeDevice(%q) = %q, want %q", ua, got, want)
		}
	}
}

// TestMaskAddr: a public address keeps only its network part; local ones say so;
// no place is invented.
func TestMaskAddr(t *testing.T) {
	for addr, want := range map[string]string{
		"203.0.113.57":         "203.0.113.*",
		"::ffff:198.51.100.7":  "198.51.100.*",
		"2001:db8:85a3:8d3::1": "2001:db8:85a3::*",
		"127.0.0.1":            MsgLocalPlace,
		"::1":                  MsgLocalPlace,
		"10.1.2.3":             MsgLocalPlace,
		"192.168.0.10":         MsgLocalPlace,
		"fe80::1":              MsgLocalPlace,
		"not-an-address":       "",
		"":                     "",
	} {
		if got := MaskAddr(addr); got != want {
			t.Errorf("MaskAddr(%q) = %q, want %q", addr, got, want)
		}
	}
}

// TestStartRecordsOrigin: the origin in the context of Start is stored with the
// session and read back by Lookup and Status; none is stored as empty, and an
// overlong one is cut.
func TestStartRecordsOrigin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := newClock()
		svc, _ := devService(db, clk, Config{})
		who := people(7, 1)[0]
		o := OriginOf("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "203.0.113.57")
		sess, err := svc.Start(WithOrigin(t.Context(), o), Request{Purpose: PurposeRecover, Binding: browserA, Expected: who})
		if err != nil {
			t.Fatal(err)
		}
		shown, err := svc.Lookup(t.Context(), sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if shown.Origin != (Origin{Device: "Windows 电脑 · Chrome", Place: "203.0.113.*"}) {
			t.Errorf("stored origin %+v", shown.Origin)
		}
		if got, _ := svc.Status(t.Context(), sess.ID, browserA); got.Origin != shown.Origin {
			t.Errorf("Status reads origin %+v", got.Origin)
		}

		plain := mustStart(t, svc, PurposeRecover, who)
		if shown, _ := svc.Lookup(t.Context(), plain.ID); shown.Origin != (Origin{}) {
			t.Errorf("origin without one in the context: %+v", shown.Origin)
		}
		long := Origin{Device: strings.Repeat("设", 200), Place: "203.0.113.*"}
		sess, err = svc.Start(WithOrigin(t.Context(), long), Request{Purpose: PurposeRecover, Binding: browserA, Expected: who})
		if err != nil {
			t.Fatal(err)
		}
		if shown, _ := svc.Lookup(t.Context(), sess.ID); len([]rune(shown.Origin.Device)) != maxOriginRunes {
			t.Errorf("long device stored as %d characters", len([]rune(shown.Origin.Device)))
		}
	})
}

// TestPurposeConsequence: every purpose of the hall says what approving lets happen.
func TestPurposeConsequence(t *testing.T) {
	if got := PurposeConsequence(PurposeRecover); got != "批准后，该浏览器将可以为您的账号设置新密码。" {
		t.Errorf("recover: %q", got)
	}
	seen := map[string]bool{}
	for _, p := range []string{PurposeUnitRegister, PurposeUpgrade, PurposeRecover, PurposeAgentConfirm, PurposeAppReset} {
		c := PurposeConsequence(p)
		if !strings.HasPrefix(c, "批准后") || seen[c] || c == PurposeConsequence("other") {
			t.Errorf("%s: %q", p, c)
		}
		seen[c] = true
	}
}

// TestRefuse: 不是我本人操作 fails a pending session of either provider with
// NoteRefused; the provider's later pass cannot change it; a decided or unknown
// session is refused as such.
func TestRefuse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clk := newClock()
		svc, hp, _ := httpService(t, db, clk)
		who := people(9, 1)[0]
		sess := mustStart(t, svc, PurposeRecover, who)
		got, err := svc.Refuse(ctx, sess.ID)
		if err != nil || got.Status != Failed || got.ResultNote != NoteRefused {
			t.Fatalf("Refuse = %s %q, %v", got.Status, got.ResultNote, err)
		}
		body, sig, ts := signedCallback(sess.ProviderRef, "pass", clk.Now())
		if err := hp.HandleCallback(ctx, body, sig, ts); !errors.Is(err, ErrUsed) {
			t.Errorf("the provider's pass after the refusal: %v, want ErrUsed", err)
		}
		if st, _ := svc.Status(ctx, sess.ID, browserA); st.Status != Failed {
			t.Errorf("status after the refusal and a pass: %s", st.Status)
		}
		if _, err := svc.Refuse(ctx, sess.ID); !errors.Is(err, ErrUsed) {
			t.Errorf("second refusal: %v, want ErrUsed", err)
		}
		if _, err := svc.Refuse(ctx, token.New()); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown session: %v, want ErrNotFound", err)
		}

		dsvc, _ := devService(db, clk, Config{})
		dev := mustStart(t, dsvc, PurposeUnitRegister, who)
		if got, err := dsvc.Refuse(ctx, dev.ID); err != nil || got.ResultNote != NoteRefused {
			t.Errorf("development session: %q, %v", got.ResultNote, err)
		}
	})
}
