// Package oidc logs people in through OpenID Connect providers: the provincial
// government service portal's single sign-on (SPEC L4, 省政务服务网) and the
// electronic business licence (SPEC L5, 电子营业执照), shown under 其他登录方式.
// The hall is the relying party; github.com/coreos/go-oidc/v3 verifies ID tokens
// and golang.org/x/oauth2 runs the authorization code flow.
//
// # The flow
//
// Start saves a flow (internal/flow, kind FlowKind) bound to the browser's binding
// cookie, holding the provider, the purpose (个人登录 or 单位登录), a nonce and a
// PKCE verifier, and returns the provider's authorization URL; the state sent is
// the flow's ID. Nothing but the state leaves the server, and the flow answers
// only to the browser that started it, expires (Config.FlowTTL, 10 minutes by
// default) and is single use, so state and nonce live in the database like every
// other flow (several hall processes share them).
//
// The provider sends the browser back to CallbackPath(id) — one redirect URI per
// provider. Callback parses the parameters (ParseCallback), finds the flow by state
// for this browser, checks that it was started with this provider (and the RFC 9207
// iss parameter when sent), and claims the flow (a compare-and-set on its step)
// before talking to the provider, so that a replayed or concurrent callback stops
// there. It redeems the code with the verifier and checks the ID token: signature by
// a key of the provider's JWKS with one of the configured asymmetric algorithms
// ("none" and HS* are refused by configuration), issuer, audience (and azp with
// several audiences), expiry, not-before and issued-at within the configured clock
// skew, the nonce, and at_hash when present. Claims it lacks come from user info
// when the provider is configured for it (the subject must match).
//
// # Who logs in
//
// Assert reads the claims through the configured claim names: ID number (check
// digit), name, mobile, and for unit logins the USCC (check character), unit name
// and the holder's role. A personal login maps to the person with that ID type and
// number; the names must agree. A unit login maps to the unit by USCC and to the
// person's role in it, which must be usable now — the rules of the unit password
// login (legal rep; admin or agent confirmed and inside the validity period). The
// provider's role claim does not grant anything: roles are managed in the hall (U6).
//
// When there is no account:
//   - no personal account: *Unregistered (ErrUnknownPerson) carrying the asserted
//     identity, for the page to send the person to 个人用户注册 (R1) with the form
//     filled in; the hall does not create a personal account itself, since R1 owns
//     the mobile proof and the password.
//   - no unit account (R5): the first login opens it when the registry knows the
//     unit, agrees with every claim the provider made (USCC, name, legal rep), the
//     unit is 存续, and the person logging in is its legal representative with a
//     personal account; the unit gets the registry's facts and that person as its
//     legal rep, in one transaction with the audit record. The unique USCC makes
//     concurrent first logins open it once; the others log in to it. Otherwise the
//     login is refused (ErrUnknownUnit, ErrUnitNotOpened, ErrRegistryMismatch,
//     ErrRegistryUnavailable) and nothing is created.
//
// The caller creates the session for Login.Subject with proof auth.ProofOIDC.
// Every outcome is recorded in the audit log with the provider and, for a refusal,
// the reason code.
//
// # Providers
//
// LoadProviders reads the JSON list the oidc-providers setting names (see
// ProviderConfig; client secrets come from files). Discovery is lazy, so the hall
// starts while a provider is down. In development without a list, DevProvider is a
// small provider of its own on the oidc-dev-addr listener, behaving like the real
// ones (see its comment), labelled 开发环境.
//
// # Error contract
//
// Start and Callback return the *Error sentinels of errors.go (match with
// errors.Is; Message gives the Chinese sentence, Code the audit reason), a
// *ProviderError for the provider's error=, an *Unregistered for an unknown
// person, and otherwise database failures (Message: a generic sentence).
package oidc
