// Package bench is the hall's load tool (`hall bench`): it drives a running hall over
// real HTTP, closed loop (each client sends its next request when the previous one
// answered) or open loop (requests arrive at a fixed rate whatever the server does,
// with a bound on those in flight), and reports per level the rate, the latency
// percentiles, errors, refusals, the server's RSS and, for logins, the rate as a ratio
// of H: the argon2id hash rate of this machine, measured by the tool itself before and
// after every level so that each ratio compares like with like on a noisy machine.
// With a single client, --cpu-per-request gives the server's CPU per request as a
// distribution (cpurequest.go), and for rights records its p99 over t_h.
//
// Errors and refusals are kept apart: a refusal (429 or 503) is the hall saying it is
// busy, which QUALITY.md allows under overload if it is quick; an error is anything
// else that is not the expected answer (a login must answer 303, a page 200), or a
// request that got no answer at all.
package bench
