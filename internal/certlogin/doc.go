// Package certlogin is CA-certificate login (SPEC L3, docs/ca-login.md): it turns
// the client certificate a browser presented on the dedicated TLS listener into
// the unit, the acting person and the role a session acts as, and carries that
// answer to the hall's main listener, where the session is set.
//
// The two listeners are different origins, so the answer travels in the browser
// through two flows (internal/flow), which keep it bound to the browser that asked:
//
//  1. Start (main listener, the 证书登录 button): a flow of KindStart bound to the
//     browser's binding cookie. Its ID goes to the TLS listener in the URL.
//  2. Check (TLS listener): the certificate is verified (ca.Verifier: chain,
//     dates, key usage, CRL) and mapped to the unit and person; the outcome, a
//     subject or a refusal, is saved in a hand-off flow of KindHandoff bound to the
//     start flow's ID, short-lived, and the browser is sent back with both IDs.
//  3. Finish (main listener): the start flow is read with the browser's binding
//     and the hand-off with the start flow's ID; both are completed in one
//     transaction with the login's audit record (single use), and the caller sets
//     the session.
//
// A hand-off therefore only works in the browser that pressed the button: a
// certificate holder cannot log someone else's browser in to their unit by sending
// a link (login CSRF), and a hand-off seen in a log is worth nothing after use or
// after HandoffTTL.
package certlogin
