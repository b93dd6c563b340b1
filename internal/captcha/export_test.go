package captcha

// Judge exposes the plausibility check to the external tests, which build tracks
// with captchatest (an internal test cannot import it: captchatest imports this
// package).
var Judge = judge
