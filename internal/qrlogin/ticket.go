package qrlogin

import (
	"strings"
	"time"

	"hall/internal/auth"
	"hall/internal/unit"
)

// Kind says what a ticket signs in to.
type Kind string

const (
	KindUnit   Kind = "unit"   // 单位登录 (L2): the person picks a unit to act for
	KindPerson Kind = "person" // 个人登录 (L6): the person alone
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == KindUnit || k == KindPerson }

// State is where a ticket is, as read (expiry applied).
type State string

const (
	StateWaiting   State = "waiting"   // shown, not scanned yet
	StateScanned   State = "scanned"   // scanned in the app; waiting for 确认登录 or 取消
	StateConfirmed State = "confirmed" // confirmed; the browser may sign in once
	StateCancelled State = "cancelled" // cancelled in the app
	StateConsumed  State = "consumed"  // the browser signed in with it
	StateExpired   State = "expired"   // not scanned and confirmed in time, or not used in time
)

// Label is the state in Chinese, for the login page and the app.
func (s State) Label() string {
	switch s {
	case StateWaiting:
		return "请使用掌上APP扫描二维码登录"
	case StateScanned:
		return "扫描成功，请在手机上确认登录"
	case StateConfirmed:
		return "已在手机上确认，正在登录…"
	case StateCancelled:
		return "已在手机上取消登录，请刷新二维码后重新扫描"
	case StateConsumed:
		return "该二维码已用于登录"
	case StateExpired:
		return "二维码已过期，请点击刷新"
	}
	return ""
}

// Final reports whether the state never changes again (a page stops waiting).
func (s State) Final() bool {
	return s == StateCancelled || s == StateConsumed || s == StateExpired
}

// Ticket is a ticket as read. The app may show Kind, Device, Place and CreatedAt
// (which browser asks, and when); the login page only the State and ExpiresAt.
type Ticket struct {
	ID    string // as given by the caller (only its hash is stored)
	Kind  Kind
	State State
	// Device ("Windows 电脑 · Chrome") and Place (masked address) describe the
	// browser that asked for the ticket.
	Device    string
	Place     string
	CreatedAt time.Time
	ExpiresAt time.Time // scan and confirm before this (the page's countdown)
	// PersonID is the app person who scanned it (0 while waiting).
	PersonID  int64
	ScannedAt time.Time
	// UnitID, MembershipID and Role are the unit a unit ticket was confirmed for.
	UnitID       int64
	MembershipID int64
	Role         unit.Role
	DecidedAt    time.Time // confirmed or cancelled
	ConsumedAt   time.Time
}

// Identity is what a consumed ticket signs the browser in as.
type Identity struct {
	Kind Kind
	// Subject is the session's subject: the person, and for a unit login the unit
	// and the role (SPEC L7).
	Subject auth.Subject
	// MembershipID is the membership a unit login acts under (0 for a person).
	MembershipID int64
}

// Choice is one unit the app offers on a unit ticket's confirmation screen.
type Choice struct {
	Unit         unit.Unit
	Role         unit.Role
	MembershipID int64
	// Usable says whether the person may act for the unit now; when not, Reason
	// says why in Chinese (the option is shown disabled).
	Usable bool
	Reason string
}

// LinkPath is where the companion app serves a scanned ticket: LinkPath + ID.
const LinkPath = "/app/qr/"

// Link returns the URL a ticket's QR code carries: baseURL + LinkPath + id. It holds
// the opaque ID and nothing else.
func Link(baseURL, id string) string {
	return strings.TrimRight(baseURL, "/") + LinkPath + id
}
