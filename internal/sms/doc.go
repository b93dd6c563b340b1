// Package sms sends text messages and issues the one-time SMS codes (短信验证码) that
// registration, login, password recovery and mobile changes ask for (SPEC §2).
//
// # Senders
//
// Sender is the SMS gateway. There are two implementations, chosen by the caller:
//
//   - Outbox is the DEVELOPMENT sender. Nothing leaves the machine: every message is
//     stored in the table sms_outbox, sealed under the data key (internal/sealed), where
//     developers read it (/dev/outbox, `hall sms list`). It refuses what a real gateway refuses (an invalid mobile, an empty or
//     over-long text) with ErrUndeliverable and can be told to fail the next sends
//     (FailNext), so that the failure paths run in development too. Never select it in
//     production.
//   - Gateway is the PRODUCTION adapter: one HTTP POST per message to the provider.
//
// # Gateway wire format
//
//	POST <URL>
//	Content-Type: application/json; charset=utf-8
//	Authorization: Bearer <APIKey>
//	X-Hall-Timestamp: <Unix seconds>
//	X-Hall-Nonce: <32 lower-case hex digits, random per request>
//	X-Hall-Signature: <lower-case hex HMAC-SHA256(Secret, timestamp + "\n" + nonce + "\n" + body)>
//
//	{"mobile":"13812345678","text":"【示范省人社】您的验证码为…","sign":"示范省人社","template":"SMS_LOGIN"}
//
// "mobile" is the 11-digit mainland number, "text" the whole message including the
// 【sign】 prefix, "sign" the registered signature name (so the provider can check it
// against the prefix) and "template" the provider's template ID for the message's
// purpose, omitted when none is configured. The signature covers the exact body bytes;
// the provider should refuse a timestamp more than a few minutes off and a nonce seen
// before, which stops replay.
//
// Any 2xx status means the provider accepted the message (a body is not needed). 4xx
// except 408 and 429 means the provider refuses this message for good (unknown or
// blocked number, bad template, bad credentials): Send returns ErrUndeliverable, and
// retrying the same message will not help. 408, 429, 5xx, other statuses, timeouts and
// network errors are transient: Send returns an error wrapping ErrUnavailable. An error
// body of the form {"code":"…","message":"…"} contributes its code (not its message,
// which might echo the text) to the returned error.
//
// # One-time codes
//
// Codes issues and checks 6-digit codes. All state is in the database, so several
// server processes can share it, and every lookup is by a unique or indexed key.
//
// A code belongs to a flow: (purpose, binding, mobile). Purpose names the business
// step ("register", "login", …); binding is an opaque value the caller ties to the
// browser session or saved flow that asked, so a code is useless anywhere else. The
// flow row (sms_flows) holds the wrong-attempt count, so that asking for a new code
// does not reset it (QUALITY.md); once MaxAttempts wrong codes have been entered the
// flow is dead: Check and Issue return ErrTooManyAttempts, and the caller has to start
// a new flow (new binding), which in the hall means going through the flow's own
// checks (captcha, identity) again.
//
// Issue runs in three steps so that no database lock is held while the gateway is
// called (on SQLite that would stall every writer of the process):
//
//  1. In one transaction: check the flow is not dead, reserve the send (resend window
//     and daily count per mobile, daily count per client address) and store the new
//     code as pending (not yet usable).
//  2. Send the SMS.
//  3. In one transaction: on success, make the new code the flow's only active code
//     (older unused codes are superseded); on failure, mark it failed. A transient
//     failure also gives the reservation back (the person did not get a message, so
//     it must not cost them the 60-second wait or a daily send); a permanent refusal
//     (ErrUndeliverable) keeps it, so a refused number cannot be used to hammer the
//     gateway.
//
// If the process dies between the steps, the code stays pending and never becomes
// usable (fail closed). Until a new code is delivered, the previous one stays usable.
//
// A withheld send (Request.Withhold) runs the same three steps without the message:
// the login form uses it for mobiles without an account, so that the limits, the
// resend window and the flow's state, and the time the answer takes (the average
// of recent real sends), do not tell them from registered ones.
//
// The resend window is per mobile, across purposes and bindings: it bounds how often
// anyone can make the hall text a number, as real gateways do. The per-address count
// groups IPv6 clients by /64, since one client commonly holds a whole /64.
//
// Check runs in one transaction that locks the flow row (SELECT … FOR UPDATE on
// PostgreSQL; SQLite's single writer serializes anyway), so concurrent checks of one
// flow are serialized: a code is consumed exactly once and wrong guesses cannot race
// past MaxAttempts.
//
// # Why a keyed hash of a 6-digit code is enough
//
// Codes are stored as HMAC-SHA256(Key, purpose, binding, mobile, code). With only 10⁶
// codes, anyone holding the hash and the key finds the code at once; a slow hash would
// not change that. The stored hash is not what protects the code: it only keeps the
// plain code out of the database, backups and logs, and with Key kept outside the
// database (a config secret) a reader of the database alone cannot test candidates at
// all. The code itself is worth little after 5 minutes or one use. The real threat is
// online guessing, and that is bounded by the database: MaxAttempts wrong codes per
// flow (across codes), at most MaxPerMobilePerDay codes per mobile per day, so an
// attacker gets at most MaxAttempts × MaxPerMobilePerDay guesses at a million-to-one
// each per mobile per day (5 × 10 = 50 ⇒ 1 in 20,000).
package sms
