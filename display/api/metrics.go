package api

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"qcall/queue"
)

// Metrics are the hall's Prometheus metrics, served at GET /metrics with
// github.com/prometheus/client_golang: what the API answers, the tickets
// issued and waiting, the newest seq, and histograms of waiting and service
// time per service (observed by the reports' rollups as events commit).
// Each API has its own registry, so that several can run in one process.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration prometheus.Histogram
	issued   *prometheus.CounterVec
	wait     *prometheus.HistogramVec
	service  *prometheus.HistogramVec
}

// timeBuckets are the upper bounds, in seconds, of the waiting and service
// time histograms: from half a minute to two hours.
var timeBuckets = []float64{30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200}

// NewMetrics returns the metrics, registered in a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "qcall_http_requests_total",
			Help: "HTTP requests answered, by route and status."}, []string{"route", "code"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "qcall_http_request_duration_seconds",
			Help: "Time to respond an HTTP request.", Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}}),
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "qcall_tickets_issued_total",
			Help: "Tickets issued through this server since it started, by service."}, []string{"service"}),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "qcall_wait_seconds",
			Help: "Waiting time of each call, from joining the queue to the call, by service (docs/reports.md).", Buckets: timeBuckets}, []string{"service"}),
		service: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "qcall_service_seconds",
			Help: "Service time of each finished ticket, from its call to its finish, by service (docs/reports.md).", Buckets: timeBuckets}, []string{"service"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.issued, m.wait, m.service)
	return m
}

// Observe records a waiting ("wait") or service ("service") time of a
// service; the reports' rollups call it for each one they fold after start
// (report.Options.Observe).
func (m *Metrics) Observe(kind, service string, seconds float64) {
	switch kind {
	case "wait":
		m.wait.WithLabelValues(service).Observe(seconds)
	case "service":
		m.service.WithLabelValues(service).Observe(seconds)
	}
}

func (m *Metrics) observe(route string, status int, d time.Duration) {
	code := strconv.Itoa(status)
	if status == 0 {
		code = "aborted"
	}
	m.requests.WithLabelValues(route, code).Inc()
	m.duration.Observe(d.Seconds())
}

func (m *Metrics) ticketIssued(service string) { m.issued.WithLabelValues(service).Inc() }

// hallCollector reads the hall's waiting counts and newest seq at each
// scrape.
type hallCollector struct {
	eng     *queue.Engine
	waiting *prometheus.Desc
	seq     *prometheus.Desc
}

func (c *hallCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.waiting; ch <- c.seq }

func (c *hallCollector) Collect(ch chan<- prometheus.Metric) {
	ctx := context.Background()
	if svcs, err := c.eng.Services(ctx); err == nil {
		for _, s := range svcs {
			ch <- prometheus.MustNewConstMetric(c.waiting, prometheus.GaugeValue, float64(s.Waiting), s.Code)
		}
	}
	if seq, err := c.eng.Seq(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(c.seq, prometheus.GaugeValue, float64(seq))
	}
}

// register adds what the metrics read of the hall, and every configured
// service's issued counter at 0.
func (m *Metrics) register(eng *queue.Engine) error {
	for _, s := range eng.CurrentConfig().Services {
		m.issued.WithLabelValues(s.Code)
	}
	return m.reg.Register(&hallCollector{eng: eng,
		waiting: prometheus.NewDesc("qcall_tickets_waiting", "Tickets waiting now, by service.", []string{"service"}, nil),
		seq:     prometheus.NewDesc("qcall_event_seq", "Seq of the newest committed event.", nil, nil)})
}

// GET /metrics
func (a *API) serveMetrics(c *apiCall) error {
	promhttp.HandlerFor(a.metrics.reg, promhttp.HandlerOpts{}).ServeHTTP(c.w, c.r)
	return nil
}
