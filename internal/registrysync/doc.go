// Package registrysync applies what the market-regulator registry says to the hall's
// unit accounts (SPEC §1 法定代表人 "changes only through the registry", B5/B6 legal-rep
// changes arriving from the registry): a new legal representative, a new name, a
// cancelled (注销) unit.
//
// # What a change does
//
// For an entry of a unit that has an account, in one transaction with the unit's row
// locked (so that syncs in several processes, a counter registration and the unit's
// own delegation commands queue on it):
//
//   - Legal rep changed (the registry names another ID type or number): the old legal
//     rep's membership is revoked and every session in which they act for the unit
//     ends at once. If the new legal rep has a personal account, they become the
//     legal rep at once (an admin or agent role they held in the unit is replaced);
//     if not, the unit is left without a legal rep, and the new one takes over at
//     the counter (B1, internal/counter) — the seed's "3-5天后可注册"; the online
//     takeover through 单位注册 (R2, whose face verification and registry check would
//     fit) is not built yet: it still answers that the unit has an account. Nobody
//     becomes legal rep merely by signing in: a personal account is proven by SMS
//     only.
//   - The admin and the agents keep their roles: they act for the unit, not for the
//     person who appointed them, and R4 shows that a unit may be run through its
//     admin without its legal rep. The new legal rep may remove them (U6). Pending
//     invitations the old legal rep issued are revoked, though: nobody accepted
//     them yet, and the person who issued them no longer speaks for the unit.
//   - Name changed: the unit's name follows the registry.
//   - Cancelled (注销): the unit's account is closed and every session acting for it
//     ends. Revoked (吊销) units stay open: they still have to settle their insurance
//     affairs until they are cancelled.
//
// Each change is one audit record ("registry.legal_rep_change", "registry.unit_rename",
// "registry.unit_close") with masked personal data; who started the sync (an import,
// the schedule, a staff member with a reason) is in it. Applying an entry twice
// changes nothing the second time, so a re-run, or two processes running at once,
// are harmless.
//
// # Feed and cursor
//
// Run pages through the registry's changes (Changes: registry.Table.ChangedAfter,
// filled by `hall import registry`) after the cursor kept in registry_sync_cursor,
// applying each entry and advancing the cursor in the same transaction, so a crash
// never skips an entry and never applies one twice. The cursor moves first in that
// transaction and only forwards: of several runs at once (one per `hall serve`
// process, an import, a clerk's 立即同步) the one that moves it onto an entry applies
// it, the others wait for the cursor row and skip it, so an entry read before an
// import changed it is never applied over its newer version.
//
// # Errors
//
// Run, Apply and SyncNow return database, registry or audit failures; SyncNow and
// List also a *staff.Denial or a staff reason error.
package registrysync
