// Package delivery is 单位快递 (SPEC U5): the paper result of a case, posted to the
// address the unit chose when it applied.
//
// The flow: at application the unit may ask for the paper result by post and picks
// one of its addresses (U9); cases.Service calls CaseFiled inside the filing
// transaction, which keeps that choice with the address copied (RecordRequest). When
// a reviewer approves the case, cases.Service calls CaseApproved inside the approve
// transaction, which creates the delivery (待揽收) from the request, and AfterApproval
// after the commit, which hands the shipment to the carrier. Whoever hands a delivery
// over claims it first (ship), so the carrier is asked once per shipment even when
// AfterApproval and the poll jobs of several processes race. A carrier that is down
// loses nothing: the delivery stays 待揽收 without a tracking number and Poll, the
// job every serving process runs, hands it over again. Poll also asks the carrier
// for the events of every open delivery and records the new ones; the status is the
// fold of the recorded events (Advance), so two processes polling at once store each
// event once and agree on the status.
//
// The carrier is an outside system behind the Carrier interface: HTTPCarrier speaks
// the JSON protocol of docs/deliveries.md; DevCarrier (开发用快递) is the development
// implementation, which advances a shipment's status from its creation time on a
// fixed step and refuses an address it cannot deliver to, as a real one would.
package delivery
