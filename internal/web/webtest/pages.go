package webtest

import (
	"net/http"
	"net/url"
)

// PageURLs names, for every page template, a request that renders it. The test
// below fails when a template has no entry: add one with each new page.
var PageURLs = map[string]struct {
	Target string
	Status int
}{
	"home":    {"/", http.StatusOK},
	"catalog": {"/catalog", http.StatusOK},
	"item":    {"/catalog/SB-001", http.StatusOK},
	"themes":  {"/themes", http.StatusOK},
	"notices": {"/notices", http.StatusOK},
	// A published notice: TestNoticePages checks it; here an unknown one is 404.
	"notice":     {"/notices/999999", http.StatusNotFound},
	"search":     {"/search?q=失业", http.StatusOK},
	"query":      {"/query", http.StatusOK},
	"help":       {"/help", http.StatusOK},
	"help-guide": {"/help/login", http.StatusOK},
	"error":      {"/no-such-page", http.StatusNotFound},
	// 权益单验证 (A4) of an unknown ID; a found record: TestVerifyRecord.
	"rights-verify": {"/verify/no-such-record", http.StatusNotFound},

	"unit-registration": {"/register/unit", http.StatusOK},
	"unit-agreement":    {"/agreements/unit", http.StatusOK},
	// 历史单位用户升级 (R4) step 1; the later steps: TestBrowserUpgrade.
	"upgrade":       {"/upgrade", http.StatusOK},
	"app-home":      {"/app/", http.StatusOK},
	"app-login":     {"/app/login", http.StatusOK},
	"app-login-sms": {"/app/login/sms", http.StatusOK},
	"app-scan":      {"/app/scan", http.StatusOK},
	"app-me":        {"/app/me", http.StatusOK},
	"app-service":   {"/app/me/legal-rep", http.StatusOK},
	"app-verify":    {"/app/v/no-such-code", http.StatusNotFound},
	// The app's 权益单验证 (A4) of an unknown ID; a found record: TestAppRecord.
	"app-record":   {"/app/records/no-such-record", http.StatusNotFound},
	"app-qr-login": {"/app/qr/no-such-code", http.StatusNotFound},

	"registration":       {"/register", http.StatusOK},
	"agreement":          {"/agreements/person", http.StatusOK},
	"login":              {"/login?tab=person&method=sms", http.StatusOK},
	"personal-center":    {"/me", http.StatusOK},
	"appeal":             {"/appeal?kind=id_taken", http.StatusOK},
	"appeal-filed":       {"/appeal/filed?no=SS00000001", http.StatusOK},
	"development-outbox": {"/dev/outbox", http.StatusOK},
	// Only the first login through a provider that opened a unit's account (R5)
	// shows it: TestLoginOIDCOpensUnit checks it with CheckPage; here an unknown
	// hand-off answers 404.
	"oidc-unit-opened": {"/login/unit-opened/no-such-flow", http.StatusNotFound},
	// A CA login's refusal, here of a hand-off this browser never started (needs
	// CA login on: webtest.CALogin); each refusal: TestCertificateLoginRefusals.
	"certificate-login-refused": {"/login/certificate/finish?start=x&handoff=y", http.StatusConflict},

	// Unit user center (signed in: see PageSignIn).
	"unit-home":       {"/unit/", http.StatusOK},
	"unit-deliveries": {"/unit/deliveries", http.StatusOK},
	"unit-workbench":  {"/unit/workbench", http.StatusOK},
	// A plan of the unit: TestWorkbenchPlanPage; here an unknown one is 404.
	"unit-workbench-plan": {"/unit/workbench/plans/999999", http.StatusNotFound},
	"unit-delivery":       {"/unit/deliveries/999999", http.StatusNotFound},
	"unit-cases":          {"/unit/cases", http.StatusOK},
	"unit-case":           {"/unit/cases/999999", http.StatusNotFound},
	"unit-case-apply":     {"/unit/items/SB-002/apply", http.StatusOK},
	"unit-info":           {"/unit/info", http.StatusOK},
	"unit-info-edit":      {"/unit/info/edit", http.StatusOK},
	"unit-choose":         {"/unit/choose", http.StatusOK},
	// Only a POST of the chooser shows the entry page: TestUEEnterAsAdmin checks it
	// with CheckPage; here a GET answers 404.
	"unit-enter": {"/unit/switch", http.StatusNotFound},

	// Password recovery (P1) and the app's 重置单位密码 (P2).
	"recovery":            {"/recover", http.StatusOK},
	"unit-password-reset": {"/app/me/reset", http.StatusOK},

	// Delegation in use: 我是经办人 in the app, the unit's business.
	"agent-invitations": {"/app/me/agent", http.StatusOK},
	"business-items":    {"/unit/items", http.StatusOK},
	"business-item":     {"/unit/items/SB-001", http.StatusOK},
	// 到窗口办理 of an item without an online form.
	"business-item-counter": {"/unit/items/SB-001/counter", http.StatusOK},
	"unit-rights":           {"/unit/rights", http.StatusOK},

	// 经办人管理 (the confirmation page needs an agent: TestDlgRemoveAgent checks it
	// with CheckPage; here an unknown ID answers 404).
	"delegation":            {"/unit/agents", http.StatusOK},
	"delegation-admin-form": {"/unit/agents/admin/new", http.StatusOK},
	"delegation-agent-form": {"/unit/agents/new", http.StatusOK},
	"delegation-remove":     {"/unit/agents/999999/remove", http.StatusNotFound},
	// Only a change without a recent proof shows it: TestDlgReauthAddAgent checks it
	// with CheckPage.
	// 机构管理 (U7): the list and the opening form; an unknown institution's pages
	// answer 404 (TestInstitutionPages renders them for a real one).
	"unit-institutions":         {"/unit/institutions", http.StatusOK},
	"unit-institution-form":     {"/unit/institutions/new", http.StatusOK},
	"unit-institution-confirm":  {"/unit/institutions/999999/close", http.StatusNotFound},
	"unit-institution-password": {"/unit/institutions/999999/reset", http.StatusNotFound},
	// The institution user center (signed in as an institution's operator).
	"institution-home":      {"/institution/", http.StatusOK},
	"institution-case":      {"/institution/cases/999999", http.StatusNotFound},
	"institution-password":  {"/institution/password", http.StatusOK},
	"unit-reauthentication": {"/unit/agents/999999/edit", http.StatusNotFound},

	// 账号设置 (U9) and the personal center's changes.
	"account-settings": {"/unit/account", http.StatusOK},
	"password-change":  {"/unit/account/password", http.StatusOK},
	"mobile-change":    {"/me/mobile", http.StatusOK},
	"unit-addresses":   {"/unit/account/addresses", http.StatusOK},
}

// PageSignIn names the pages that need a session, and which kind: "Person" (a
// personal session), "Unit" (acting as legal rep of a unit) or "institution" (an
// institution's operator: World.InstitutionClient).
var PageSignIn = map[string]string{
	"personal-center":       "person",
	"unit-choose":           "person",
	"unit-home":             "unit",
	"unit-rights":           "unit",
	"unit-cases":            "unit",
	"unit-case":             "unit",
	"unit-case-apply":       "unit",
	"unit-deliveries":       "unit",
	"unit-workbench":        "unit",
	"unit-workbench-plan":   "unit",
	"unit-delivery":         "unit",
	"unit-info":             "unit",
	"unit-info-edit":        "unit",
	"unit-password-reset":   "person",
	"app-qr-login":          "person",
	"agent-invitations":     "person",
	"business-items":        "unit",
	"business-item":         "unit",
	"business-item-counter": "unit",

	"delegation":                "unit",
	"delegation-admin-form":     "unit",
	"delegation-agent-form":     "unit",
	"delegation-remove":         "unit",
	"unit-reauthentication":     "unit",
	"unit-institutions":         "unit",
	"unit-institution-form":     "unit",
	"unit-institution-confirm":  "unit",
	"unit-institution-password": "unit",
	"institution-home":          "institution",
	"institution-case":          "institution",
	"institution-password":      "institution",
	"unit-enter":                "person",

	"account-settings": "unit",
	"password-change":  "unit",
	"mobile-change":    "person",
	"unit-addresses":   "unit",
}

// AdminPageURLs names, for every back-office page template, a request on the
// operations listener that renders it and who sends it: a staff role's name, or ""
// for nobody signed in. Form, when set, is POSTed. internal/web/admin's
// TestEveryAdminPageRenders fails when a template there has no entry; it first
// files appeal 1, for which a clerk records counter request 1 (its release), and a
// unit applies for case 1 (人员参保登记).
var AdminPageURLs = map[string]struct {
	Target string
	As     string
	Form   url.Values
	Status int
}{
	"admin-login":             {"/admin/login", "", nil, http.StatusOK},
	"admin-error":             {"/admin/no-such-page", "clerk", nil, http.StatusNotFound},
	"admin-home":              {"/admin/", "clerk", nil, http.StatusOK},
	"admin-password":          {"/admin/password", "clerk", nil, http.StatusOK},
	"admin-staff-new":         {"/admin/staff/new", "security", nil, http.StatusOK},
	"admin-staff-created":     {"/admin/staff/new", "security", url.Values{"login": {"page.clerk"}, "name": {"页面员"}, "roles": {"clerk"}, "reason": {"新员工入职"}}, http.StatusOK},
	"admin-staff-list":        {"/admin/staff/", "security", nil, http.StatusOK},
	"admin-staff-account":     {"/admin/staff/2", "security", nil, http.StatusOK},
	"admin-audit":             {"/admin/audit?action=counter.", "auditor", nil, http.StatusOK},
	"admin-unit-registration": {"/admin/counter/unit-registration", "clerk", nil, http.StatusOK},
	"admin-admin-change":      {"/admin/counter/admin-change?unit=nonexistent", "clerk", nil, http.StatusOK},
	"admin-password-reset":    {"/admin/counter/password-reset", "clerk", nil, http.StatusOK},
	"admin-counter":           {"/admin/counter/?status=submitted", "reviewer", nil, http.StatusOK},
	"admin-counter-request":   {"/admin/counter/1", "reviewer", nil, http.StatusOK},
	"admin-appeals":           {"/admin/appeals/?status=open", "clerk", nil, http.StatusOK},
	"admin-appeal":            {"/admin/appeals/1", "clerk", nil, http.StatusOK},
	"admin-registry":          {"/admin/registry", "clerk", nil, http.StatusOK},
	"admin-cases":             {"/admin/cases/?state=submitted", "reviewer", nil, http.StatusOK},
	"admin-case":              {"/admin/cases/1", "clerk", nil, http.StatusOK},
	"admin-case-counter":      {"/admin/cases/counter", "clerk", nil, http.StatusOK},
	"admin-notices":           {"/admin/notices/", "clerk", nil, http.StatusOK},
	"admin-notice":            {"/admin/notices/new", "clerk", nil, http.StatusOK},
	"admin-skills":            {"/admin/skills/?state=submitted", "reviewer", nil, http.StatusOK},
	"admin-skill-new":         {"/admin/skills/new", "clerk", nil, http.StatusOK},
	// A plan with its candidates: TestSkillReviewPages; here an unknown one is 404.
	"admin-skill": {"/admin/skills/999999", "reviewer", nil, http.StatusNotFound},
}
