package interaction

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Endpoints posts signed interactions to applications' interactions
// endpoints (HTTP interactions) and verifies an endpoint before an
// application may use it. Its client is bounded: a whole exchange within
// Timeout, at most MaxResponseBytes of answer, and no redirect to another
// host. Endpoints is safe for concurrent use.
type Endpoints struct {
	cfg    EndpointsConfig
	client *http.Client
}

// EndpointsConfig configures Endpoints; the zero value means the defaults.
type EndpointsConfig struct {
	// Hosts, when not empty, are the only hosts an endpoint URL may name
	// (a host name, or host:port for one port only); the operator's
	// allow-list. Empty allows any host, loopback and private ones too.
	Hosts []string
	// Timeout bounds one request, from dialling to the answer's last byte.
	// Default DefaultAckWindow: an answer later than that is too late.
	Timeout time.Duration
	// MaxResponseBytes bounds an endpoint's answer. Default
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Now is the clock of the signature timestamps; default time.Now.
	Now func() time.Time
}

// DefaultMaxResponseBytes bounds an endpoint's answer: an interaction
// response is a message at most, well under this.
const DefaultMaxResponseBytes = 1 << 20

// maxRedirects bounds the same-host redirects followed.
const maxRedirects = 3

// Errors of endpoint URLs and requests.
var (
	ErrEndpointURL     = errors.New("interaction: endpoint URL must be an absolute http or https URL")
	ErrHostNotAllowed  = errors.New("interaction: endpoint host is not in the operator's allow-list")
	ErrEndpointRefused = errors.New("interaction: endpoint did not verify")
)

// NewEndpoints returns Endpoints with cfg's defaults filled in.
func NewEndpoints(cfg EndpointsConfig) *Endpoints {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultAckWindow
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	tr := &http.Transport{
		// No proxy from the environment: the endpoint is named by its
		// application, and a loopback endpoint must stay loopback.
		DialContext:            (&net.Dialer{Timeout: cfg.Timeout}).DialContext,
		TLSHandshakeTimeout:    cfg.Timeout,
		ResponseHeaderTimeout:  cfg.Timeout,
		MaxResponseHeaderBytes: 64 << 10,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		ForceAttemptHTTP2:      true,
	}
	e := &Endpoints{cfg: cfg}
	e.client = &http.Client{Transport: tr, Timeout: cfg.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects || !strings.EqualFold(req.URL.Host, via[0].URL.Host) || e.CheckURL(req.URL.String()) != nil {
				return http.ErrUseLastResponse // answered as the non-200 it is
			}
			return nil
		}}
	return e
}

// CheckURL checks an endpoint URL's form and the allow-list.
func (e *Endpoints) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(raw) > 2048 {
		return ErrEndpointURL
	}
	if len(e.cfg.Hosts) == 0 {
		return nil
	}
	for _, h := range e.cfg.Hosts {
		if strings.EqualFold(h, u.Hostname()) || strings.EqualFold(h, u.Host) {
			return nil
		}
	}
	return ErrHostNotAllowed
}

// Post signs body with the application's key seed and posts it to
// endpoint, returning the answer's body if the endpoint answered 200.
func (e *Endpoints) Post(ctx context.Context, endpoint string, seed, body []byte) ([]byte, error) {
	ts, sig, err := Sign(seed, e.cfg.Now(), body)
	if err != nil {
		return nil, err
	}
	status, b, err := e.post(ctx, endpoint, ts, sig, body)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("interaction: endpoint %s: status %d", endpoint, status)
	}
	return b, nil
}

func (e *Endpoints) post(ctx context.Context, endpoint, ts, sig string, body []byte) (int, []byte, error) {
	if err := e.CheckURL(endpoint); err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("interaction: endpoint %s: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, sig)
	resp, err := e.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("interaction: endpoint %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, e.cfg.MaxResponseBytes+1))
	if err != nil {
		return 0, nil, fmt.Errorf("interaction: endpoint %s: read answer: %w", endpoint, err)
	}
	if int64(len(b)) > e.cfg.MaxResponseBytes {
		return 0, nil, fmt.Errorf("interaction: endpoint %s: answer over %d bytes", endpoint, e.cfg.MaxResponseBytes)
	}
	return resp.StatusCode, b, nil
}

// Validate checks endpoint as Discord does before saving it: a PING
// (type 1) signed with seed must be answered 200 {"type": 1}, and a PING
// with a wrong signature must be refused with 401. The error wraps
// ErrEndpointRefused, ErrEndpointURL or ErrHostNotAllowed, with the
// detail for the log.
func (e *Endpoints) Validate(ctx context.Context, endpoint string, appID string, seed []byte) error {
	if err := e.CheckURL(endpoint); err != nil {
		return err
	}
	ping, _ := json.Marshal(struct {
		ID            string `json:"id"`
		ApplicationID string `json:"application_id"`
		Type          int    `json:"type"`
		Token         string `json:"token"`
		Version       int    `json:"version"`
	}{ID: "0", ApplicationID: appID, Type: TypePing, Token: "ping", Version: 1})
	// The forged request first: an endpoint that takes anything must not
	// pass just because it also takes the real one.
	ts, sig, err := Sign(seed, e.cfg.Now(), ping)
	if err != nil {
		return err
	}
	forged := []byte(sig) // still hex, no longer the signature
	if forged[0] == '0' {
		forged[0] = '1'
	} else {
		forged[0] = '0'
	}
	status, _, err := e.post(ctx, endpoint, ts, string(forged), ping)
	if err != nil {
		return fmt.Errorf("%w: forged ping: %w", ErrEndpointRefused, err)
	}
	if status != http.StatusUnauthorized {
		return fmt.Errorf("%w: forged ping answered %d, want 401", ErrEndpointRefused, status)
	}
	b, err := e.Post(ctx, endpoint, seed, ping)
	if err != nil {
		return fmt.Errorf("%w: ping: %w", ErrEndpointRefused, err)
	}
	var pong struct {
		Type int `json:"type"`
	}
	if err := json.Unmarshal(b, &pong); err != nil || pong.Type != 1 {
		return fmt.Errorf("%w: ping answered %.100q, want {\"type\":1}", ErrEndpointRefused, b)
	}
	return nil
}
