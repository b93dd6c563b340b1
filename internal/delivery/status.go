package delivery

// Status is a delivery's status, stored by its English code.
type Status string

// The statuses (the database's CHECK keeps the same list).
const (
	StatusPending    Status = "pending"    // 待揽收: created, not yet collected by the carrier
	StatusCollected  Status = "collected"  // 已揽收
	StatusInTransit  Status = "in_transit" // 运输中
	StatusDelivering Status = "delivering" // 派送中
	StatusSigned     Status = "signed"     // 已签收: final
	StatusException  Status = "exception"  // 异常: refused, lost or returned; the carrier may still recover it
)

// Statuses are the statuses in the order of a shipment's life, for filters.
var Statuses = []Status{StatusPending, StatusCollected, StatusInTransit, StatusDelivering, StatusSigned, StatusException}

var statusLabels = map[Status]string{
	StatusPending: "待揽收", StatusCollected: "已揽收", StatusInTransit: "运输中",
	StatusDelivering: "派送中", StatusSigned: "已签收", StatusException: "异常",
}

// rank orders the normal course; exception is outside it.
var rank = map[Status]int{StatusPending: 0, StatusCollected: 1, StatusInTransit: 2, StatusDelivering: 3, StatusSigned: 4}

// Label is the status in Chinese.
func (s Status) Label() string { return statusLabels[s] }

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool { _, ok := statusLabels[s]; return ok }

// Open reports whether the carrier may still change the status (everything but 已签收).
func (s Status) Open() bool { return s != StatusSigned }

// Advance is the status after an event of status to on a delivery in status from,
// and whether the event moves it. The course only goes forward (a carrier may skip
// steps a poll did not see, and repeats 运输中 at every hub); 异常 may come at any
// open step and the carrier may recover from it to any step; nothing moves a signed
// delivery, and an event older in the course than the status (reported late) is kept
// in the history without moving the status back.
func Advance(from, to Status) (Status, bool) {
	if !from.Valid() || !to.Valid() || from == to || from == StatusSigned {
		return from, false
	}
	if from == StatusException || to == StatusException {
		if to == StatusPending {
			return from, false
		}
		return to, true
	}
	if rank[to] > rank[from] {
		return to, true
	}
	return from, false
}

// Fold is the status after events in the order they happened, from 待揽收.
func Fold(events []Status) Status {
	st := StatusPending
	for _, e := range events {
		st, _ = Advance(st, e)
	}
	return st
}
