package cases

// State is where a case (办件) stands. FACTS.md's 审核 and 审批 are one review step
// here: a reviewer who did not accept the case approves it (已办结) or returns it
// for correction (退回补正); the timeline shows 受理 then 办结 or 退回.
type State string

const (
	StateSubmitted State = "submitted" // 已申请: waiting for a clerk to accept it
	StateAccepted  State = "accepted"  // 已受理: waiting for a reviewer
	StateRefused   State = "refused"   // 不予受理: final
	StateReturned  State = "returned"  // 退回补正: the unit corrects and resubmits
	StateApproved  State = "approved"  // 已办结: final, its effect is carried out
	StateWithdrawn State = "withdrawn" // 已撤销: the unit withdrew it before acceptance; final
)

// States lists every state in the order pages offer them as a filter.
var States = []State{StateSubmitted, StateAccepted, StateReturned, StateApproved, StateRefused, StateWithdrawn}

var stateLabels = map[State]string{
	StateSubmitted: "已申请", StateAccepted: "已受理", StateRefused: "不予受理",
	StateReturned: "退回补正", StateApproved: "已办结", StateWithdrawn: "已撤销",
}

// Label is the state's Chinese name.
func (s State) Label() string { return stateLabels[s] }

// Valid reports whether s is a known state.
func (s State) Valid() bool { _, ok := stateLabels[s]; return ok }

// Final reports whether nothing more happens to a case in s.
func (s State) Final() bool { return s == StateApproved || s == StateRefused || s == StateWithdrawn }

// Step is one move along the timeline.
type Step string

const (
	StepApply    Step = "apply"    // the unit applies: → submitted
	StepAccept   Step = "accept"   // a clerk accepts: submitted → accepted
	StepRefuse   Step = "refuse"   // a clerk refuses: submitted → refused
	StepReturn   Step = "return"   // a reviewer returns for correction: accepted → returned
	StepApprove  Step = "approve"  // a reviewer approves: accepted → approved
	StepResubmit Step = "resubmit" // the unit corrects and resubmits: returned → submitted
	StepWithdraw Step = "withdraw" // the unit withdraws: submitted → withdrawn
)

// #nosec G101 -- the timeline's names of the steps, not credentials.
var stepLabels = map[Step]string{
	StepApply: "提交申请", StepAccept: "受理", StepRefuse: "不予受理", StepReturn: "退回补正",
	StepApprove: "审核通过，办结", StepResubmit: "补正后重新提交", StepWithdraw: "撤销申请",
}

// Label is the step's Chinese name in the timeline.
func (s Step) Label() string { return stepLabels[s] }

// transitions is the whole state machine: the state a step needs and the one it
// leads to. Apply has no row: it creates the case.
var transitions = map[Step]struct{ From, To State }{
	StepAccept:   {StateSubmitted, StateAccepted},
	StepRefuse:   {StateSubmitted, StateRefused},
	StepWithdraw: {StateSubmitted, StateWithdrawn},
	StepReturn:   {StateAccepted, StateReturned},
	StepApprove:  {StateAccepted, StateApproved},
	StepResubmit: {StateReturned, StateSubmitted},
}

// Next is the state step leads to from from, and whether step may be taken there.
func Next(from State, step Step) (State, bool) {
	t, ok := transitions[step]
	if !ok || t.From != from {
		return "", false
	}
	return t.To, true
}
