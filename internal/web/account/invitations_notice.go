package account

import (
	"context"
	"html/template"

	"hall/internal/qr"
)

// The personal center's pointer to the companion app (SPEC U6): a person with
// invitations to confirm reads “您有 N 个待确认的单位授权” and scans the QR code of the
// app's 我是经办人 with the app, where confirming happens (face verification on
// the phone).

// invitationsQRPixels is the side of the pointer's QR code.
const invitationsQRPixels = 200

// invitationsMePointer is what the "invitations-pointer" partial draws; Count 0 draws nothing.
type invitationsMePointer struct {
	Count int
	Link  string       // the app's 我是经办人
	QR    template.URL // the link as a QR code image
}

// invitationsPointerFor counts the person's pending invitations and, when there are any,
// draws the QR code of the app's link.
func (s *handler) invitationsPointerFor(ctx context.Context, personID int64) (invitationsMePointer, error) {
	pending, err := s.Delegation.PendingInvitations(ctx, personID)
	if err != nil || len(pending) == 0 {
		return invitationsMePointer{}, err
	}
	p := invitationsMePointer{Count: len(pending), Link: s.Config.BaseURL + "/app/me/agent"}
	if p.QR, err = qr.DataURL(p.Link, invitationsQRPixels); err != nil {
		return invitationsMePointer{}, err
	}
	return p, nil
}
