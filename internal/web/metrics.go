package web

import (
	"net/http"
	"strconv"
	"time"

	"hall/internal/person"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus collectors, on a registry of its own so that
// several servers in one test process do not collide.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// loginBusy counts the logins refused at admission (AdmitLogin), by form: the
	// aggregate record of refused-busy logins, which write nothing each.
	loginBusy *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hall_http_requests_total",
			Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hall_http_request_duration_seconds",
			Help:    "HTTP request duration by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		loginBusy: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hall_login_refused_busy_total",
			Help: "Password logins refused at once (429) because password hashing was saturated, by login form.",
		}, []string{"form"}),
	}
	reg.MustRegister(m.requests, m.duration, m.loginBusy,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// watchHasher shows the hasher's admission: logins admitted now and the bound.
// hasher is called at each scrape, so a test that swaps the service's Hasher is
// shown the one in use.
func (m *metrics) watchHasher(hasher func() *person.Hasher) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hall_login_admitted",
			Help: "Password logins admitted to hashing now (hashing, waiting for a slot, or around the hash).",
		}, func() float64 { return float64(hasher().Stats().Admitted) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hall_login_admission_bound",
			Help: "Most password logins admitted at once: the hashing slots plus the queue they work off within hash-max-wait.",
		}, func() float64 { return float64(hasher().Bound()) }),
	)
}

// watchQRWaits shows the 扫码登录 pages waiting on their long poll now, against
// --qr-max-waiters: past it, pages are answered 503.
func (m *metrics) watchQRWaits(waiting func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "hall_qr_login_waits",
		Help: "扫码登录 pages waiting on their long poll now (detached or on a goroutine).",
	}, func() float64 { return float64(waiting()) }))
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
