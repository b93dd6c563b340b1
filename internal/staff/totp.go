package staff

import (
	"crypto/subtle"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters: RFC 6238 as every authenticator app reads it from an otpauth URI
// (Google Authenticator, Microsoft Authenticator, 腾讯身份验证器 …): SHA-1, six
// digits, 30-second steps, a 160-bit secret. A code is accepted one step early or
// late (clock drift), and only for a step after the last accepted one, so a code —
// seen over a shoulder, or replayed — works at most once.
const (
	totpPeriod     = 30
	totpSkew       = 1
	totpSecretSize = 20
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Enrolment is a new TOTP secret as the staff member adds it to an authenticator
// app: Secret (base32, for typing) and URI (otpauth://totp/…, for the QR code). The
// first code accepted for it confirms the enrolment.
type Enrolment struct {
	Secret string
	URI    string
}

// newEnrolment generates a secret for account login under issuer (the hall's name,
// shown by the app).
func newEnrolment(issuer, login string) (Enrolment, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: login, Period: totpPeriod,
		SecretSize: totpSecretSize, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, fmt.Errorf("staff: TOTP secret: %w", err)
	}
	return Enrolment{Secret: k.Secret(), URI: k.URL()}, nil
}

// matchStep returns the time step whose code is code, among now's step and its
// neighbours (totpSkew), considering only steps after last; ok is false when none
// matches. The codes are compared in constant time, and every candidate step is
// computed, so the time taken does not say which step matched.
func matchStep(secret, code string, now time.Time, last int64) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != int(otp.DigitsSix) {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && s > last && !ok {
			step, ok = s, true
		}
	}
	return step, ok
}

// Code returns the TOTP code of secret at t: what an authenticator app shows. For
// tests and for the development demo, never for a check.
func Code(secret string, t time.Time) string {
	c, err := totp.GenerateCodeCustom(secret, t, totpOpts)
	if err != nil {
		return ""
	}
	return c
}
