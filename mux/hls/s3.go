package hls

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

var (
	// ErrS3Credentials reports a request the S3 server refused: unknown
	// access key, wrong secret, or a key without the right to the bucket.
	// It is not retried.
	ErrS3Credentials = errors.New("hls: S3 credentials rejected")
	// ErrS3Bucket reports a bucket that does not exist. It is not retried.
	ErrS3Bucket = errors.New("hls: S3 bucket missing")
	// ErrS3Unavailable reports an S3 server that could not be reached or
	// kept failing (5xx, timeouts) until the operation's time was up.
	ErrS3Unavailable = errors.New("hls: S3 server unavailable")
)

// S3Options configure an [S3] storage. A nil *S3Options takes everything
// from the standard AWS environment variables.
type S3Options struct {
	// Endpoint is the S3 server: a URL (http://127.0.0.1:8333,
	// https://s3.eu-west-1.amazonaws.com) or a host[:port], then reached
	// over HTTPS. It defaults to $AWS_ENDPOINT_URL_S3, then
	// $AWS_ENDPOINT_URL, then https://s3.amazonaws.com.
	Endpoint string
	// Bucket is the bucket the files go to. It is required (there is no
	// standard variable for it). The bucket must exist: it is not made.
	Bucket string
	// Prefix is put before every file name to make its key: "radio/" puts
	// the master playlist at radio/master.m3u8. A '/' is added when it
	// does not end with one. It defaults to none: the bucket's root.
	Prefix string
	// Region is the bucket's region, used to sign requests. It defaults
	// to $AWS_REGION, then $AWS_DEFAULT_REGION, then us-east-1.
	Region string
	// AccessKeyID, SecretAccessKey and SessionToken are the credentials.
	// When AccessKeyID is empty all three come from $AWS_ACCESS_KEY_ID,
	// $AWS_SECRET_ACCESS_KEY and $AWS_SESSION_TOKEN; when those are empty
	// too, requests are anonymous.
	AccessKeyID, SecretAccessKey, SessionToken string
	// Timeout bounds one operation (a file stored, read or deleted)
	// together with its retries: transient failures (the server
	// unreachable, 5xx, 429, a connection cut) are retried with
	// exponential backoff from 100ms to 2s until then. Refused
	// credentials and a missing bucket are not retried. It defaults to
	// 10s; the output's queue (see [Options.Queue]) absorbs the wait, and
	// a round that still cannot be stored becomes a discontinuity.
	Timeout time.Duration
	// SkipCheck leaves out the check that [NewS3] makes (the bucket
	// exists and the credentials are accepted), for a program that must
	// start while the server is down. Refused credentials are then
	// reported, and logged, by every operation instead.
	SkipCheck bool
	// Logger receives a log line for each retried failure. It defaults
	// to discarding them.
	Logger *slog.Logger
}

// S3 is a [Storage] on a bucket of an S3-compatible object store (AWS S3,
// MinIO, SeaweedFS, Ceph, R2, ...), through github.com/minio/minio-go/v7.
// Every file is one object, uploaded in a single PUT (S3 makes it visible
// whole, so a reader never sees a partial playlist) with its Content-Type
// and Cache-Control (see [Meta]), so that a CDN can be put in front of the
// bucket. Its methods are safe for concurrent use.
type S3 struct {
	c       *minio.Client
	bucket  string
	prefix  string
	base    string // endpoint URL, for Location
	timeout time.Duration
	log     *slog.Logger
}

var _ Storage = (*S3)(nil)

// NewS3 returns an S3 storage. Unless [S3Options.SkipCheck] is set it
// asks the server, within ctx, whether the bucket exists: refused
// credentials give an error wrapping [ErrS3Credentials], a missing
// bucket one wrapping [ErrS3Bucket], a server that cannot be reached one
// wrapping [ErrS3Unavailable]. A bad endpoint is an error wrapping
// [ErrOption].
func NewS3(ctx context.Context, opts *S3Options) (*S3, error) {
	o := S3Options{}
	if opts != nil {
		o = *opts
	}
	if o.Endpoint == "" {
		o.Endpoint = firstEnv("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
	}
	if o.Endpoint == "" {
		o.Endpoint = "https://s3.amazonaws.com"
	}
	if o.Region == "" {
		o.Region = firstEnv("AWS_REGION", "AWS_DEFAULT_REGION")
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.AccessKeyID == "" {
		o.AccessKeyID, o.SecretAccessKey, o.SessionToken = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	switch {
	case o.Bucket == "":
		return nil, fmt.Errorf("%w: S3 bucket name is required", ErrOption)
	case o.Timeout < 0:
		return nil, fmt.Errorf("%w: negative S3 timeout %v", ErrOption, o.Timeout)
	}
	if o.Prefix != "" && !strings.HasSuffix(o.Prefix, "/") {
		o.Prefix += "/"
	}
	o.Prefix = strings.TrimPrefix(o.Prefix, "/")
	host, secure, err := parseEndpoint(o.Endpoint)
	if err != nil {
		return nil, err
	}
	c, err := minio.New(host, &minio.Options{
		Creds:  credentials.NewStaticV4(o.AccessKeyID, o.SecretAccessKey, o.SessionToken),
		Secure: secure, Region: o.Region, Transport: s3Transport(),
		MaxRetries: 1, // retried here, with the errors that are worth it
	})
	if err != nil {
		return nil, fmt.Errorf("%w: S3 endpoint %q: %w", ErrOption, o.Endpoint, err)
	}
	scheme := "http"
	if secure {
		scheme = "https"
	}
	s := &S3{c: c, bucket: o.Bucket, prefix: o.Prefix, base: scheme + "://" + host, timeout: o.Timeout, log: o.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if !o.SkipCheck {
		if err := s.Check(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Check asks the server whether the bucket exists and the credentials
// are accepted (see [NewS3] for the errors).
func (s *S3) Check(ctx context.Context) error {
	var ok bool
	err := s.retry(ctx, "check bucket", "", func(ctx context.Context) (err error) {
		ok, err = s.c.BucketExists(ctx, s.bucket)
		return err
	})
	if err == nil && !ok {
		err = fmt.Errorf("%w: %s/%s", ErrS3Bucket, s.base, s.bucket)
	}
	return err
}

// Put uploads data as the object prefix+name, with meta's Content-Type
// and Cache-Control.
func (s *S3) Put(ctx context.Context, name string, data []byte, meta Meta) error {
	return s.retry(ctx, "put", name, func(ctx context.Context) error {
		_, err := s.c.PutObject(ctx, s.bucket, s.prefix+name, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
			ContentType: meta.ContentType, CacheControl: meta.CacheControl, DisableMultipart: true,
		})
		return err
	})
}

// Get downloads the object prefix+name; a missing object is an error
// wrapping [fs.ErrNotExist].
func (s *S3) Get(ctx context.Context, name string) ([]byte, error) {
	var b []byte
	err := s.retry(ctx, "get", name, func(ctx context.Context) error {
		obj, err := s.c.GetObject(ctx, s.bucket, s.prefix+name, minio.GetObjectOptions{})
		if err != nil {
			return err
		}
		defer obj.Close()
		b, err = io.ReadAll(obj)
		return err
	})
	return b, err
}

// Delete removes the object prefix+name.
func (s *S3) Delete(ctx context.Context, name string) error {
	return s.retry(ctx, "delete", name, func(ctx context.Context) error {
		return s.c.RemoveObject(ctx, s.bucket, s.prefix+name, minio.RemoveObjectOptions{})
	})
}

// Location returns the object's path-style URL on the endpoint.
func (s *S3) Location(name string) string {
	return s.base + "/" + s.bucket + "/" + s.prefix + name
}

// retry runs op until it succeeds, fails for good, or the operation's
// time (S3Options.Timeout, within ctx) is up.
func (s *S3) retry(ctx context.Context, what, name string, op func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil {
			return nil
		}
		if err := s.classify(what, name, err); err != nil {
			return err
		}
		s.log.Warn("S3 request failed: retrying", "op", what, "key", s.prefix+name, "attempt", attempt, "in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w: %s %s after %d attempt(s) in %v: %w", ErrS3Unavailable, what, s.Location(name), attempt, s.timeout, err)
		case <-t.C:
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// classify returns the final error of a failure that is not worth
// retrying, or nil for one that is.
func (s *S3) classify(what, name string, err error) error {
	r := minio.ToErrorResponse(err)
	where := s.Location(name)
	switch r.Code {
	case "NoSuchKey":
		return fmt.Errorf("hls: S3 %s %s: %w", what, where, fs.ErrNotExist)
	case "NoSuchBucket":
		return fmt.Errorf("%w: %s %s: %w", ErrS3Bucket, what, where, err)
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "AuthorizationHeaderMalformed":
		return fmt.Errorf("%w: %s %s: %w", ErrS3Credentials, what, where, err)
	}
	switch {
	case r.StatusCode == http.StatusForbidden || r.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%w: %s %s: %w", ErrS3Credentials, what, where, err)
	case r.StatusCode == http.StatusNotFound && name == "":
		return fmt.Errorf("%w: %s %s: %w", ErrS3Bucket, what, where, err)
	case r.StatusCode == http.StatusNotFound:
		return fmt.Errorf("hls: S3 %s %s: %w", what, where, fs.ErrNotExist)
	case r.StatusCode >= 400 && r.StatusCode < 500 && r.StatusCode != http.StatusRequestTimeout && r.StatusCode != http.StatusTooManyRequests:
		return fmt.Errorf("hls: S3 %s %s: %w", what, where, err)
	}
	return nil // network errors, 5xx, 408, 429
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// parseEndpoint splits an endpoint into minio-go's host[:port] and
// whether it is HTTPS.
func parseEndpoint(ep string) (host string, secure bool, err error) {
	if !strings.Contains(ep, "://") {
		ep = "https://" + ep
	}
	u, err := url.Parse(ep)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") {
		return "", false, fmt.Errorf("%w: S3 endpoint %q (want http(s)://host[:port])", ErrOption, ep)
	}
	return u.Host, u.Scheme == "https", nil
}

// s3Transport is an HTTP transport with bounded connection setup, so
// that a dead server fails an attempt quickly and the retries go on.
func s3Transport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = 30 * time.Second
	t.MaxIdleConnsPerHost = 4
	return t
}
