package agent

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// tlsConfig is what the agent checks an https:// server with: the system's
// roots, and the certificates of ca_file when it is set.
func (c *Config) tlsConfig() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CAFile == "" {
		return tc, nil
	}
	pem, err := os.ReadFile(c.caPath())
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool() // Windows before Go's own verifier, or no roots at all
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s: no PEM certificate in it", c.caPath())
	}
	tc.RootCAs = pool
	return tc, nil
}

// newHTTPClient is the agent's client to its server: TLS as tlsConfig, and
// no redirect away from the server, so that the token goes nowhere else.
func (a *Agent) newHTTPClient(tc *tls.Config) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	return &http.Client{Timeout: 10 * time.Second, Transport: tr, CheckRedirect: a.checkRedirect}
}

func (a *Agent) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	if !a.onServer(req.URL) {
		return fmt.Errorf("redirect to %s, away from the server %s, not followed", req.URL.Redacted(), a.cfg.Server)
	}
	return nil
}

// onServer reports whether u is on the agent's server: the same scheme and
// host (with its port).
func (a *Agent) onServer(u *url.URL) bool {
	s, err := url.Parse(a.cfg.Server)
	return err == nil && strings.EqualFold(u.Scheme, s.Scheme) && strings.EqualFold(u.Host, s.Host)
}

// serverURL resolves ref (a path on the server, as the hub gives voice_url,
// or an absolute URL) and refuses one that is not on the server: the agent
// sends its token there.
func (a *Agent) serverURL(ref string) (string, error) {
	if strings.HasPrefix(ref, "/") && !strings.HasPrefix(ref, "//") {
		return a.cfg.Server + ref, nil
	}
	base, err := url.Parse(a.cfg.Server)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", ref, err)
	}
	u := base.ResolveReference(r)
	if !a.onServer(u) {
		return "", fmt.Errorf("address %s is not on the server %s: not fetched", u.Redacted(), a.cfg.Server)
	}
	return u.String(), nil
}
