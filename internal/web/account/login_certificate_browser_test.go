package account

import (
	"path/filepath"
	"strings"
	"testing"

	"hall/internal/browsertest"
	"hall/internal/ca"
)

// L3 in a real browser: Chromium with a unit certificate of the development CA
// installed (its NSS database, the PKCS#12 file `hall ca issue` writes) presents
// it in the TLS handshake of the CA-login listener, chosen without a dialog as a
// clerk's browser with one UKey does, after 证书登录 on the login page's CA登录
// tab. The unit's certificate lands the legal rep in the unit center; a revoked
// one ends on the refusal page in Chinese, with nobody signed in; one of another
// CA is not even offered, and the page says no certificate came.
func TestBrowserCertificateLogin(t *testing.T) {
	h := newCertificateHall(t)

	// login presses 证书登录 in a browser of its own that holds the certificate
	// (and trusts the development CA for the listener's own certificate).
	login := func(t *testing.T, cert *ca.Issued, opts ...browsertest.Option) *browsertest.Page {
		b := browsertest.Launch(t,
			browsertest.TrustRoot(h.ca.Dev.Paths().Cert),
			browsertest.ClientCertificate(h.ca.URL, cert.P12File, cert.P12Password))
		p := b.NewPage(t, opts...)
		p.Open(h.base + "/login?tab=unit&method=ca")
		p.ClickLink("证书登录")
		return p
	}

	t.Run("unit certificate", func(t *testing.T) {
		p := login(t, h.ca.Issue(t, ca.IssueRequest{Kind: ca.KindUnit, Name: h.unit.Name, USCC: h.unit.USCC,
			OutDir: filepath.Join(t.TempDir(), "unit")}))
		p.WaitURL(h.base + "/unit/")
		if got := p.Text("main h1"); got != "单位主页" {
			t.Fatalf("landed on %q (%s), want the unit center's 单位主页", got, p.URL())
		}
		if got := p.Text(".uc-facts"); !strings.Contains(got, h.unit.Name) || !strings.Contains(got, h.unit.USCC) {
			t.Errorf("unit center shows %q, want %s (%s)", got, h.unit.Name, h.unit.USCC)
		}
	})

	t.Run("revoked certificate", func(t *testing.T) {
		revoked := h.ca.Issue(t, ca.IssueRequest{Kind: ca.KindUnit, Name: h.unit.Name, USCC: h.unit.USCC,
			OutDir: filepath.Join(t.TempDir(), "revoked")})
		if _, err := h.ca.Dev.Revoke(revoked.Entry.Serial, 1); err != nil {
			t.Fatal(err)
		}
		h.ca.Publish(t)
		// The refusal's 403 is logged by the browser as a failed load.
		p := login(t, revoked, browsertest.AllowConsoleErrors("status of 403"))
		p.WaitText("数字证书已被吊销")
		if got := p.Text("main h1"); got != "证书登录未成功：数字证书已被吊销" {
			t.Errorf("heading %q", got)
		}
		if got := p.Text("main [role=alert]"); !strings.Contains(got, "被吊销，不能再用于登录。请联系发证机构办理新证书。") {
			t.Errorf("message %q", got)
		}
		if !strings.HasPrefix(p.URL(), h.base+"/login/certificate/finish?") {
			t.Errorf("refusal at %s", p.URL())
		}
		p.Open(h.base + "/unit/")
		if strings.HasPrefix(p.URL(), h.base+"/unit/") {
			t.Errorf("the unit center opens after a refusal: %s", p.URL())
		}
	})
	// The listener names the CAs it trusts, so a browser does not even offer a
	// certificate of another CA: the hall says it received none, and how to retry.
	t.Run("certificate of another CA", func(t *testing.T) {
		other, err := ca.InitDevCA(filepath.Join(t.TempDir(), "other"), "另一家认证机构", nil)
		if err != nil {
			t.Fatal(err)
		}
		foreign, err := other.Issue(ca.IssueRequest{Kind: ca.KindUnit, Name: h.unit.Name, USCC: h.unit.USCC,
			OutDir: filepath.Join(t.TempDir(), "foreign")})
		if err != nil {
			t.Fatal(err)
		}
		p := login(t, foreign, browsertest.AllowConsoleErrors("status of 401"))
		p.WaitText("未收到数字证书")
		if got := p.Text("main h1"); got != "证书登录未成功：未收到数字证书" {
			t.Errorf("heading %q", got)
		}
		if got := p.Text("main [role=alert]"); !strings.Contains(got, "请插入单位数字证书（UKey），在浏览器弹出的窗口中选择证书后重试") {
			t.Errorf("message %q", got)
		}
	})
}
