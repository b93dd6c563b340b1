// Package address keeps a unit's delivery addresses (收件地址, SPEC U9 账号设置): where
// the bureau sends a unit's paper results (deliveries, U5, read them through List
// and Default).
//
// # Rules
//
// A unit has at most MaxPerUnit addresses and, while it has any, exactly one
// default (the seed's hint: "最多10个,当前已设置 N 个,还可以增加 M 个", Hint). Both
// are kept by the database (migration 0020), not only by this code: a trigger
// refuses the 11th address, the default is one row per unit written by the
// database with the unit's first address, and the default address cannot be
// deleted while the unit has others. On PostgreSQL each change locks the unit's
// row first, so parallel changes of one unit queue; on SQLite the one writer does.
//
// An address is a recipient (收件人), a telephone (unit.NormalizePhone: a mobile or
// a landline), a county-level region chosen province → city → county from the
// regions the hall knows (Regions, from FACTS.md) and the detailed address
// (详细地址). Check validates typed input and returns it cleaned, or a *FormError
// with a Chinese message per field.
//
// # Changes
//
// Add, Change, Delete and SetDefault each run in one transaction with their audit
// record (actions "unit.address.add", "…change", "…delete", "…default"; the
// telephone masked), so there is no change without its record. Deleting the
// default makes the oldest remaining address the default in the same transaction.
// The web layer checks who may change them (delegation's Authorize with ItemCode)
// before calling these.
package address
