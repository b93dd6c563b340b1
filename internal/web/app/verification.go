package app

import (
	"errors"
	"hall/internal/web"
	"net/http"
	"net/url"
	"strings"

	"hall/internal/verify"
)

// The app's verification screen (SPEC A2) at /app/v/{id}, the URL a verification QR
// code carries (verify.Link). The ID is opaque: the screen shows the purpose, the
// masked expected person and, so that a QR code relayed from someone else's browser
// is recognised as such, which browser asked (device, masked address, time) and
// what approving lets that browser do.

// appVerifyData is what the verification screen shows. State is one of: invalid (no
// such session), screen (the confirmation screen: the development provider's, or
// before the production provider's face check), passed, failed, expired, used.
type appVerifyData struct {
	State    string
	ID       string
	Purpose  string
	Expected verify.Person // masked
	Note     string        // why it failed
	DevLabel string
	// ProviderURL is the production provider's page, where 继续人脸识别 leads ("" for
	// the development screen).
	ProviderURL string
	// Mismatch warns that the signed-in person is not the expected one (approving
	// would fail the session as 非本人).
	Mismatch bool
	// Origin is the browser that started the session, Started when (Asia/Shanghai),
	// Consequence what approving lets it do (verify.PurposeConsequence).
	Origin      verify.Origin
	Started     string
	Consequence string
	// AgtBack is the app page of a flow done wholly in the app (?back=, see
	// invitationVerifyBack), to return to after the result; "" for the desktop flows.
	AgtBack string
	// NoAccount says that the expected person has no personal account yet (a legal
	// rep registering a unit, unitreg.Service.VerifiesWithoutAccount): the screen
	// is shown without a sign-in and the face check alone identifies them.
	NoAccount bool
}

// appVerifyResult maps a session that has a result to the screen's state.
func appVerifyResult(sess verify.Session) string {
	switch sess.Status {
	case verify.Passed:
		return "passed"
	case verify.Failed:
		return "failed"
	case verify.Expired:
		return "expired"
	}
	return ""
}

func (s *handler) appVerifyRender(w http.ResponseWriter, r *http.Request, status int, d *appVerifyData) error {
	return s.Render(w, r, status, "app-verify", "实人认证", "app-scan", d)
}

// appVerifyShow is GET /app/v/{id}. A code that is unknown or already has a result
// says so at once, signed in or not (the ID is unguessable and nothing personal is
// shown); a pending one needs the app login. Then the screen says who asks and what
// approving does, with the development provider's 确认, or with 继续人脸识别 to the
// production provider's page; 不是我本人操作 refuses either.
func (s *handler) appVerifyShow(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	sess, err := s.Verify.Lookup(r.Context(), id)
	switch {
	case errors.Is(err, verify.ErrNotFound):
		return s.appVerifyRender(w, r, http.StatusNotFound, &appVerifyData{State: "invalid"})
	case err != nil:
		return err
	}
	d := &appVerifyData{ID: sess.ID, Purpose: verify.PurposeLabel(sess.Purpose), Expected: sess.Expected.Masked(),
		Note: sess.ResultNote, AgtBack: passwordResetAppBack(r), Origin: sess.Origin,
		Started: sess.CreatedAt.In(web.Shanghai).Format("2006-01-02 15:04:05"), Consequence: verify.PurposeConsequence(sess.Purpose)}
	if sess.Done() {
		d.State = appVerifyResult(sess)
		return s.appVerifyRender(w, r, http.StatusOK, d)
	}
	noAccount, err := s.UnitRegistration().VerifiesWithoutAccount(r.Context(), sess)
	if err != nil {
		return err
	}
	v := web.VisitorFrom(r.Context())
	if !v.SignedIn() && !noAccount {
		return s.appToLogin(w, r)
	}
	if sess.ProviderURL != "" {
		// Production: the provider's own face check. Only an https page is followed
		// (or http on a development setup), never anything else a provider might send.
		if u, err := url.Parse(sess.ProviderURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			return web.StatusError(http.StatusBadGateway, "认证服务暂时不可用，请稍后再试")
		}
		d.State, d.ProviderURL, d.NoAccount = "screen", sess.ProviderURL, noAccount
		d.Mismatch = !noAccount && !appActor(v).Same(sess.Expected)
		return s.appVerifyRender(w, r, http.StatusOK, d)
	}
	if s.DevVerify == nil || sess.Provider != verify.DevProviderName {
		return s.appVerifyRender(w, r, http.StatusNotFound, &appVerifyData{State: "invalid"})
	}
	d.State, d.DevLabel, d.NoAccount = "screen", verify.DevLabel, noAccount
	d.Mismatch = !noAccount && !appActor(v).Same(sess.Expected)
	return s.appVerifyRender(w, r, http.StatusOK, d)
}

// appVerifyActor is who answers the screen of session id: the expected person when
// they have no account to sign in with, else the signed-in person (SignIn true when
// nobody is). An unknown session answers the signed-in person too, and the
// verification service then refuses it.
func (s *handler) appVerifyActor(r *http.Request, id string) (actor verify.Person, signIn bool, err error) {
	sess, err := s.Verify.Lookup(r.Context(), id)
	switch {
	case err == nil:
		noAccount, err := s.UnitRegistration().VerifiesWithoutAccount(r.Context(), sess)
		if err != nil {
			return verify.Person{}, false, err
		}
		if noAccount {
			return sess.Expected, false, nil
		}
	case !errors.Is(err, verify.ErrNotFound):
		return verify.Person{}, false, err
	}
	v := web.VisitorFrom(r.Context())
	if !v.SignedIn() {
		return verify.Person{}, true, nil
	}
	return appActor(v), false, nil
}

// appActor is the signed-in person as an identity for verification.
func appActor(v *web.Visitor) verify.Person {
	return verify.Person{IDType: v.Person.IDType, IDNumber: v.Person.IDNumber, Name: v.Person.Name}
}

// appVerifyPost is POST /app/v/{id}: 确认 (decision=approve) on the development
// screen, recorded for the signed-in person — or, for a person who has no account
// to sign in with (appVerifyData.NoAccount), for the expected person, whose face
// the screen stands in for — or 不是我本人操作 (any other decision) with either
// provider; then the result.
func (s *handler) appVerifyPost(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	actor, signIn, err := s.appVerifyActor(r, id)
	if err != nil {
		return err
	}
	if signIn {
		return s.appToLogin(w, r)
	}
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	switch {
	case strings.TrimSpace(r.PostForm.Get("decision")) != "approve":
		_, err = s.Verify.Refuse(r.Context(), id)
	case s.DevVerify == nil:
		return s.appVerifyRender(w, r, http.StatusNotFound, &appVerifyData{State: "invalid"})
	default:
		_, err = s.DevVerify.CompleteInApp(r.Context(), id, actor, true)
	}
	switch {
	case err == nil:
	case errors.Is(err, verify.ErrNotFound), errors.Is(err, verify.ErrWrongProvider):
		return s.appVerifyRender(w, r, http.StatusNotFound, &appVerifyData{State: "invalid"})
	case errors.Is(err, verify.ErrExpired):
		return s.appVerifyRender(w, r, http.StatusConflict, &appVerifyData{State: "expired"})
	case errors.Is(err, verify.ErrUsed):
		return s.appVerifyRender(w, r, http.StatusConflict, &appVerifyData{State: "used"})
	default:
		return err
	}
	http.Redirect(w, r, "/app/v/"+url.PathEscape(id)+invitationBackQuery(passwordResetAppBack(r)), http.StatusSeeOther)
	return nil
}
