package web

// Stepper is the step indicator above a page of several steps (法定代表人注册,
// 历史单位用户升级, 找回密码), drawn by the "stepper" template: Names are the steps'
// labels, Current the step the page is at (1-based), Label names the list for
// screen readers.
type Stepper struct {
	Label   string
	Names   []string
	Current int
}

// Class is the class of step i (0-based): steps before the current one are done;
// the last step, once reached, is both done and current.
func (s Stepper) Class(i int) string {
	n := i + 1
	switch {
	case n < s.Current:
		return "done"
	case n == s.Current && n == len(s.Names):
		return "done current"
	case n == s.Current:
		return "current"
	}
	return ""
}
