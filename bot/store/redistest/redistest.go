// Package redistest starts real redis-server processes for tests: a
// throwaway server per test package, servers a test may stop, pause and
// restart, a Cluster and a Sentinel. Tests never talk to a mock of Redis.
//
// When REDIS_URL is set, Shared uses that server instead of starting one.
// When redis-server is not installed, tests that need it fail under
// CI=true and are skipped, with how to install it, otherwise.
package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Binary returns the path of program (redis-server, redis-cli). Without it
// the test fails under CI=true and is skipped otherwise.
func Binary(tb testing.TB, program string) string {
	tb.Helper()
	p, err := exec.LookPath(program)
	if err == nil {
		return p
	}
	msg := program + " is not installed: install it with `apt-get install redis-server` (Debian, Ubuntu) or `brew install redis` (macOS), or set REDIS_URL to a running server"
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// Server is a redis-server started by a test.
type Server struct {
	Addr string
	Port int
	dir  string
	args []string
	tb   testing.TB

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Start starts a redis-server on a free port of 127.0.0.1 that keeps
// nothing on disk (unless args say otherwise) and is stopped when the test
// ends. args are extra redis-server options, e.g. "--appendonly", "yes".
func Start(tb testing.TB, args ...string) *Server {
	tb.Helper()
	return start(tb, 0, args...)
}

func start(tb testing.TB, clusterBus int, args ...string) *Server {
	tb.Helper()
	bin := Binary(tb, "redis-server")
	var lastErr error
	for range 5 {
		port := freePort(tb, clusterBus)
		s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), Port: port, dir: tb.TempDir(), args: args, tb: tb}
		if lastErr = s.run(bin); lastErr == nil {
			tb.Cleanup(s.stop)
			return s
		}
	}
	tb.Fatalf("redis-server would not start: %v", lastErr)
	return nil
}

// freePort finds a port nothing listens on; with bus set, port+10000 must
// be free too (Redis Cluster's bus port).
func freePort(tb testing.TB, bus int) int {
	tb.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if bus == 0 {
			return port
		}
		if port+10000 > 65535 {
			continue
		}
		if l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+10000)); err == nil {
			l2.Close()
			return port
		}
	}
	tb.Fatal("no free port pair for a cluster node")
	return 0
}

// run starts the process and returns once it accepts connections: it
// waits for the line redis-server prints when ready, not for a time.
func (s *Server) run(bin string) error {
	args := append([]string{"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", s.dir, "--logfile", "", "--daemonize", "no"}, s.args...)
	cmd := exec.Command(bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return err
	}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		var log []string
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, "Ready to accept connections") {
				ready <- nil
				for sc.Scan() { // keep draining so the server never blocks on its log
				}
				return
			}
			log = append(log, line)
		}
		ready <- fmt.Errorf("redis-server exited before it was ready: %s", strings.Join(lastLines(log, 5), " | "))
	}()
	select {
	case err := <-ready:
		if err != nil {
			cmd.Wait()
			return err
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Errorf("redis-server on port %d was not ready after 15 s", s.Port)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	return nil
}

func lastLines(l []string, n int) []string {
	if len(l) > n {
		return l[len(l)-n:]
	}
	return l
}

func (s *Server) stop() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGCONT) // a paused server cannot exit
	cmd.Process.Kill()
	cmd.Wait()
}

// Kill stops the server at once, as a crash would.
func (s *Server) Kill() { s.stop() }

// Restart starts the server again on the same port and directory, so data
// kept on disk (with --appendonly yes) is back.
func (s *Server) Restart() {
	s.tb.Helper()
	s.stop()
	bin := Binary(s.tb, "redis-server")
	var err error
	for range 3 {
		if err = s.run(bin); err == nil {
			return
		}
	}
	s.tb.Fatalf("redis-server would not restart on port %d: %v", s.Port, err)
}

// Pause stops the process without closing its connections: a hung Redis.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume lets a paused server run again.
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig os.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.cmd.Process.Signal(sig)
	}
}

// URL is the server's redis:// address.
func (s *Server) URL() string { return "redis://" + s.Addr }

// Client returns a client for the server, closed when the test ends.
func (s *Server) Client(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second})
	tb.Cleanup(func() { c.Close() })
	return c
}

var shared struct {
	once sync.Once
	srv  *Server
	err  string
}

// Shared returns the address of the Redis that this test package's tests
// share: $REDIS_URL when set, otherwise one throwaway server started on
// first use. Tests on a shared server keep to keys of their own (a prefix)
// and must not flush or scan the whole database.
func Shared(tb testing.TB) string {
	tb.Helper()
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	Binary(tb, "redis-server")
	shared.once.Do(func() {
		// started outside any one test, so that it outlives it; Main stops it
		pt := &packageTB{}
		defer func() {
			if r := recover(); r != nil && r != any(pt) {
				panic(r)
			}
			shared.err = pt.failure
		}()
		shared.srv = start(pt, 0)
	})
	if shared.err != "" {
		tb.Fatal(shared.err)
	}
	return shared.srv.URL()
}

// Main runs a package's tests and then stops its shared server. Use it as
// func TestMain(m *testing.M) { redistest.Main(m) }.
func Main(m *testing.M) {
	// go-redis reports reconnects while tests stop servers on purpose
	redis.SetLogger(quiet{})
	code := m.Run()
	if shared.srv != nil {
		shared.srv.stop()
		os.RemoveAll(shared.srv.dir)
	}
	os.Exit(code)
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// packageTB lets the shared server start outside a test: its directory
// and cleanup belong to the package, not to the first test that asks.
type packageTB struct {
	testing.TB
	failure string
}

func (p *packageTB) Helper()                   {}
func (p *packageTB) Cleanup(func())            {}
func (p *packageTB) Fatal(args ...any)         { p.failure = fmt.Sprint(args...); panic(p) }
func (p *packageTB) Fatalf(f string, a ...any) { p.failure = fmt.Sprintf(f, a...); panic(p) }
func (p *packageTB) Skip(args ...any)          { p.failure = fmt.Sprint(args...); panic(p) }
func (p *packageTB) TempDir() string {
	d, err := os.MkdirTemp("", "polku-redis-")
	if err != nil {
		p.Fatal(err)
	}
	return d
}

// RoundTrips counts what a client sends to Redis, as a go-redis hook: every
// command and every pipeline is one round trip.
type RoundTrips struct{ n atomic.Int64 }

// Count is the round trips since the start or the last Reset.
func (rt *RoundTrips) Count() int64 { return rt.n.Load() }

// Reset starts counting again.
func (rt *RoundTrips) Reset() { rt.n.Store(0) }

func (rt *RoundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (rt *RoundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { rt.n.Add(1); return next(ctx, cmd) }
}

func (rt *RoundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { rt.n.Add(1); return next(ctx, cmds) }
}

// Cluster is a Redis Cluster of masters without replicas.
type Cluster struct {
	Nodes []*Server
}

// StartCluster starts n masters with cluster mode on, joins them with
// redis-cli --cluster create, and returns when every node reports the
// cluster ok.
func StartCluster(tb testing.TB, n int) *Cluster {
	tb.Helper()
	cli := Binary(tb, "redis-cli")
	c := &Cluster{}
	var addrs []string
	for range n {
		s := start(tb, 1, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
		c.Nodes = append(c.Nodes, s)
		addrs = append(addrs, s.Addr)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		tb.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	// wait until every node agrees the cluster is ok: the state of other
	// processes can only be asked for, so this polls, with a deadline
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, s := range c.Nodes {
		cl := s.Client(tb)
		for {
			info, err := cl.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			select {
			case <-ctx.Done():
				tb.Fatalf("cluster node %s not ok: %v %q", s.Addr, err, info)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return c
}

// URL is the cluster's redis+cluster:// address.
func (c *Cluster) URL() string {
	var addrs []string
	for _, s := range c.Nodes {
		addrs = append(addrs, s.Addr)
	}
	return "redis+cluster://" + strings.Join(addrs, ",")
}

// StartSentinel starts a Sentinel watching master under the name name and
// returns its address once it knows the master.
func StartSentinel(tb testing.TB, master *Server, name string) string {
	tb.Helper()
	bin := Binary(tb, "redis-server")
	port := freePort(tb, 0)
	dir := tb.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	body := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor %s 127.0.0.1 %d 1\nsentinel down-after-milliseconds %s 2000\n", port, dir, name, master.Port, name)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, conf, "--sentinel")
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	sc := redis.NewSentinelClient(&redis.Options{Addr: addr, DialTimeout: time.Second})
	defer sc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		got, err := sc.GetMasterAddrByName(ctx, name).Result()
		if err == nil && len(got) == 2 && got[1] == strconv.Itoa(master.Port) {
			return addr
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("sentinel on %s does not know master %s: %v", addr, name, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
