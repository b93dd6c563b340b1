package sms

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"hall/internal/chinatime"
	"hall/internal/store"
)

// CodeConfig holds the rules of one-time codes. Zero fields take the defaults of
// DefaultCodeConfig (SPEC §2, QUALITY.md).
type CodeConfig struct {
	TTL                 time.Duration // validity of a code; whole minutes (the text says "N分钟")
	ResendAfter         time.Duration // per mobile, between two codes
	MaxPerMobilePerDay  int           // codes per mobile per Asia/Shanghai day
	MaxPerAddressPerDay int           // codes per client address per Asia/Shanghai day
	MaxAttempts         int           // wrong codes per flow before it is dead
	Sign                string        // SMS signature shown as 【Sign】, 2–12 characters
	// Key is the HMAC key of the stored code hashes, a config secret kept outside the
	// database; at least 16 bytes. Empty is allowed (development): the hash is then
	// only as good as an unkeyed one (see the package comment).
	Key []byte
}

// DefaultSign is the signature of the neutral demo brand.
const DefaultSign = "示范省人社"

// DefaultCodeConfig returns the rules of SPEC §2: 5-minute codes, 60 s between
// sends, 10 codes per mobile and 30 per client address per day, 5 wrong attempts.
func DefaultCodeConfig() CodeConfig {
	return CodeConfig{
		TTL:                 5 * time.Minute,
		ResendAfter:         60 * time.Second,
		MaxPerMobilePerDay:  10,
		MaxPerAddressPerDay: 30,
		MaxAttempts:         5,
		Sign:                DefaultSign,
	}
}

// withDefaults fills zero fields from DefaultCodeConfig.
func (c CodeConfig) withDefaults() CodeConfig {
	d := DefaultCodeConfig()
	if c.TTL == 0 {
		c.TTL = d.TTL
	}
	if c.ResendAfter == 0 {
		c.ResendAfter = d.ResendAfter
	}
	if c.MaxPerMobilePerDay == 0 {
		c.MaxPerMobilePerDay = d.MaxPerMobilePerDay
	}
	if c.MaxPerAddressPerDay == 0 {
		c.MaxPerAddressPerDay = d.MaxPerAddressPerDay
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = d.MaxAttempts
	}
	if c.Sign == "" {
		c.Sign = d.Sign
	}
	return c
}

// Validate reports every setting that is out of range (after zero fields take their
// defaults), joined into one error.
func (c CodeConfig) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.TTL < time.Minute || c.TTL > 30*time.Minute || c.TTL%time.Minute != 0 {
		errs = append(errs, errors.New("sms: code TTL must be whole minutes from 1 to 30"))
	}
	if c.ResendAfter < 10*time.Second || c.ResendAfter > 10*time.Minute {
		errs = append(errs, errors.New("sms: resend interval must be from 10s to 10m"))
	} else if c.ResendAfter > c.TTL {
		errs = append(errs, errors.New("sms: resend interval must not exceed the code TTL"))
	}
	if c.MaxPerMobilePerDay < 1 || c.MaxPerMobilePerDay > 100 {
		errs = append(errs, errors.New("sms: codes per mobile per day must be from 1 to 100"))
	}
	if c.MaxPerAddressPerDay < 1 || c.MaxPerAddressPerDay > 100000 {
		errs = append(errs, errors.New("sms: codes per client address per day must be from 1 to 100000"))
	}
	if c.MaxAttempts < 1 || c.MaxAttempts > 20 {
		errs = append(errs, errors.New("sms: wrong attempts must be from 1 to 20"))
	}
	if err := checkSign(c.Sign); err != nil {
		errs = append(errs, fmt.Errorf("sms: %w", err))
	}
	if len(c.Key) > 0 && len(c.Key) < 16 {
		errs = append(errs, errors.New("sms: code hash key must be empty or at least 16 bytes"))
	}
	return errors.Join(errs...)
}

// checkSign checks an SMS signature: 2–12 characters (the carriers' rule), no
// brackets (the text adds 【】 itself), no control or space characters.
func checkSign(s string) error {
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < 2 || n > 12 {
		return errors.New("signature must have 2 to 12 characters")
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || strings.ContainsRune("【】[]", r) {
			return errors.New("signature must not contain brackets, spaces or control characters")
		}
	}
	return nil
}

// Codes issues and checks one-time SMS codes (see the package comment). It is safe
// for concurrent use, also by several processes on one database.
type Codes struct {
	db     *store.DB
	sender Sender
	cfg    CodeConfig
	now    func() time.Time
	// sendTime is how long the sender takes, so that a withheld send
	// (Request.Withhold) answers after about as long as a real one.
	sendTime sendTimer
}

// NewCodes returns the code service on db, sending through sender. Zero fields of cfg
// take the defaults; now is the clock (nil: time.Now). It panics when cfg is invalid:
// configuration is validated at start-up (CodeConfig.Validate), so an invalid one
// here is a programming error.
func NewCodes(db *store.DB, sender Sender, cfg CodeConfig, now func() time.Time) *Codes {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	if now == nil {
		now = time.Now
	}
	return &Codes{db: db, sender: sender, cfg: cfg.withDefaults(), now: now}
}

// Config returns the effective configuration (defaults filled in).
func (c *Codes) Config() CodeConfig { return c.cfg }

// clock returns the current time as stored: UTC, microseconds.
func (c *Codes) clock() time.Time { return c.now().UTC().Truncate(time.Microsecond) }

// Text returns the SMS text for a code.
func (c *Codes) Text(code string) string {
	return codeText(c.cfg.Sign, code, c.cfg.TTL)
}

func codeText(sign, code string, ttl time.Duration) string {
	return fmt.Sprintf("【%s】您的验证码为%s，%d分钟内有效。请勿告诉他人。", sign, code, int(ttl/time.Minute))
}

// newCode returns six uniformly random decimal digits (leading zeros kept).
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("sms: random code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// codeHash is the stored form of a code: HMAC-SHA256 over the flow and the code, each
// part length-prefixed so that no two inputs share an encoding. Binding the flow into
// the hash means a row copied to another flow does not verify there.
func (c *Codes) codeHash(purpose, binding, mobile, code string) string {
	m := hmac.New(sha256.New, c.cfg.Key)
	for _, s := range []string{"hall/sms/code/v1", purpose, binding, mobile, code} {
		var l [8]byte
		binary.BigEndian.PutUint64(l[:], uint64(len(s)))
		m.Write(l[:])
		m.Write([]byte(s))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// bindingHash is how a binding is stored: it may be a session secret, so only its
// SHA-256 (as sessions themselves are stored) goes into the database.
func bindingHash(binding string) string {
	h := sha256.Sum256([]byte("hall/sms/binding/v1\x00" + binding))
	return hex.EncodeToString(h[:])
}

// day returns the Asia/Shanghai calendar day of t, as stored ("2006-01-02").
func day(t time.Time) string { return t.In(chinatime.Zone).Format(time.DateOnly) }

// untilNextDay returns how long from t until the next Asia/Shanghai midnight.
func untilNextDay(t time.Time) time.Duration {
	l := t.In(chinatime.Zone)
	next := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, chinatime.Zone)
	return next.Sub(t)
}
