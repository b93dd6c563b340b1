package sms

import "hall/internal/sealed"

// A code's flow (sms_flows) and a mobile's send rate (sms_mobile_rate) are keyed by
// the mobile, and keep no mobile in clear (internal/sealed, docs/data-protection.md):
// they hold its blind index in mobile_index instead, the same index as persons and
// the outbox use for a mobile. Nothing needs the mobile back from these rows (Issue
// keeps the mobile it sends to in memory), so they keep no sealed copy of it.

// mobileIndex is the blind index of a normalised mobile (ident.NormalizeMobile)
// under keys, the database's data keys (store.DB.Keys). Errors: ErrNoKeys when keys
// is nil.
func mobileIndex(keys *sealed.Keys, mobile string) ([]byte, error) {
	if keys == nil {
		return nil, ErrNoKeys
	}
	return keys.Index(sealed.KindMobile, mobile), nil
}
