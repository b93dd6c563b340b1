// Package ca is the certificate side of the hall: CA-certificate login (SPEC L3)
// and the bureau's document-signing certificate for the rights record (SPEC U3).
//
// # Login
//
// A unit logs in with its digital certificate (单位数字证书, usually on a UKey)
// through TLS client-certificate authentication on a dedicated listener
// (docs/ca-login.md says why). LoginTLSConfig asks the browser for a certificate
// without judging it; the page then calls Verifier.VerifyTLS(r.TLS), which checks
// the chain against the configured CA bundle, the validity dates against the
// hall's clock, the key usage (digitalSignature; extended key usage clientAuth or
// none), and revocation by the CAs' CRLs, and returns the Identity the certificate
// names: the unit's USCC and, for a certificate that names a person, the person's
// ID number. Who acts is then the login step's decision: the person named, when
// they hold a usable role in the unit, or else the unit's legal representative.
//
// Every refusal is an *Error whose Kind is a sentinel (ErrNoCertificate,
// ErrExpired, ErrNotYetValid, ErrRevoked, ErrUntrusted, ErrKeyUsage, ErrSubject,
// ErrRevocationUnavailable; ErrUnknownUnit and ErrNoRole for the login step) and
// whose Msg is the Chinese text for the page; Message(err) returns it for any
// error.
//
// # Revocation
//
// CRLs come from configured sources (files or http(s) URLs), never from the
// distribution points a certificate names, so a client cannot make the hall fetch
// a URL of its choosing. Run reads them at start and every RefreshInterval
// (conditional GET, or the file's time and size, so an unchanged CRL costs little).
// A CRL is used only when its issuer's signature verifies; a CRL older than the
// one in use (thisUpdate or CRL number) is refused as a replay. A certificate is
// accepted only when every certificate of its chain below the trust anchor is
// checked against a CRL of its issuer that is no more than Grace past its
// nextUpdate: otherwise the revocation status is unknown and login fails closed
// (ErrRevocationUnavailable). Delta CRLs, indirect CRLs and OCSP are not
// supported.
//
// # Subject fields
//
// Which subject attribute holds the USCC differs between CAs; it is configurable
// (Fields, config ca-uscc-field) and defaults to organizationIdentifier (2.5.4.97),
// the X.520 attribute made for an organisation's registration number. Values may
// be the bare code or the ETSI EN 319 412-1 form "NTRCN-<USCC>". A person's ID
// number defaults to the subject serialNumber (2.5.4.5), bare or "IDCCN-<number>".
//
// # Development CA
//
// DevCA (`hall ca`) is a DEVELOPMENT certificate authority in a directory under the
// data directory: it issues unit, person, document-signing and TLS server
// certificates (PEM and PKCS#12), revokes them, keeps an index of serials and
// publishes CRLs, like a real CA, with DevLabel in its name.
//
// # Document signing
//
// LoadSigningIdentity reads the rights record's signing certificate, chain and key
// and checks they can sign (key usage digitalSignature and contentCommitment);
// DevCA.EnsureSigning provides one in development.
package ca
