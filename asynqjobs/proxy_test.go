package asynqjobs_test

import (
	"io"
	"net"
	"sync"
	"testing"
)

// redisProxy forwards loopback TCP connections to a Redis. While it is down, it closes
// the connections it holds and every new one at once: to its clients, Redis is down.
type redisProxy struct {
	addr     string
	upstream string
	listener net.Listener

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]struct{}
}

func startProxy(t testing.TB, upstream string) *redisProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &redisProxy{addr: l.Addr().String(), upstream: upstream, listener: l, conns: map[net.Conn]struct{}{}}
	go p.serve()
	t.Cleanup(func() { _ = l.Close(); p.setDown(true) })
	return p
}

func (p *redisProxy) serve() {
	for {
		c, err := p.listener.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			_ = c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.upstream)
		if err != nil || !p.track(up) {
			_ = c.Close()
			if up != nil {
				_ = up.Close()
			}
			continue
		}
		go pipe(c, up)
		go pipe(up, c)
	}
}

func pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
}

// track records c, or reports false while the proxy is down.
func (p *redisProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

// setDown takes Redis away (closing every connection) or brings it back.
func (p *redisProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			_ = c.Close()
		}
		clear(p.conns)
	}
}
