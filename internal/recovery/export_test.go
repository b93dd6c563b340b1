package recovery

import "context"

// ResetWith runs the reset for target with a verification session the test chose
// (its purpose, binding and person), without a flow, as a channel "test".
func (s *Service) ResetWith(ctx context.Context, target Target, password, purpose, session, binding string) (int, error) {
	return s.reset(ctx, resetRequest{target: target, password: password, confirm: password, purpose: purpose,
		session: session, binding: binding, channel: "test", clientAddr: "192.0.2.1"})
}
