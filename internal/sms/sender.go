package sms

import (
	"context"
	"fmt"
	"unicode/utf8"
)

// Message is one text message.
type Message struct {
	Mobile  string // mainland mobile number; senders normalise it with ident.NormalizeMobile
	Text    string // the whole text, 【sign】 prefix included; never logged
	Purpose string // what it is for ("login", "register", …): template selection, statistics
}

// Sender delivers text messages through an SMS gateway.
type Sender interface {
	// Send hands msg to the gateway. It returns nil once the gateway has accepted the
	// message (delivery to the handset is not confirmed). Errors: one wrapping
	// ErrUndeliverable when the gateway refuses this message for good (invalid or
	// blocked number, rejected text); any other error is transient (timeout, network,
	// gateway failure, ctx done) and the same message may be sent again later.
	Send(ctx context.Context, msg Message) error
}

// MaxTextRunes is the longest text a sender accepts: gateways split long texts into
// 67-character parts and refuse beyond a limit of their own; 500 is the common one.
const MaxTextRunes = 500

// checkText refuses texts that a gateway would refuse.
func checkText(text string) error {
	n := utf8.RuneCountInString(text)
	switch {
	case n == 0:
		return fmt.Errorf("%w: empty text", ErrUndeliverable)
	case n > MaxTextRunes:
		return fmt.Errorf("%w: text of %d characters (at most %d)", ErrUndeliverable, n, MaxTextRunes)
	case !utf8.ValidString(text):
		return fmt.Errorf("%w: text is not valid UTF-8", ErrUndeliverable)
	}
	return nil
}
