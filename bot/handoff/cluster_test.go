package handoff

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"polku/bot"
	"polku/bot/store/redistest"
)

// TestCluster runs a case through a Redis Cluster: every script keeps to
// one slot, and the steps across slots are separate commands.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster")
	}
	ctx := context.Background()
	cl := redistest.StartCluster(t, 3)
	var addrs []string
	for _, n := range cl.Nodes {
		addrs = append(addrs, n.Addr)
	}
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ReadTimeout: 2 * time.Second})
	t.Cleanup(func() { c.Close() })
	d := newDesk(t, c, Options{})
	desk, _ := deskEvents(t, d, "dc-1")
	ids := []string{"alpha", "beta", "gamma", "delta"} // spread over slots
	for _, id := range ids {
		mustOpen(t, d, testCase(id, "telegram", "u-"+id))
		if err := d.AttachThread(ctx, id, "th-"+id); err != nil {
			t.Fatal(err)
		}
		if err := d.Relay(ctx, id, "1", "hi"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Claim(ctx, id, "anna"); err != nil {
			t.Fatal(err)
		}
		if err := d.Say(ctx, id, "anna", "1", "hello"); err != nil {
			t.Fatal(err)
		}
		if err := d.Close(ctx, id, bot.ClosedForgotten); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id+"/opened"], want[id+"/m:1"], want[id+"/forgotten"] = true, true, true
	}
	// what was forgotten before a consumer read it is gone; the rest comes
	seen := 0
	for seen < len(ids) {
		e := next(t, desk)
		if !want[e.ID] {
			t.Errorf("unexpected desk event %s", e.ID)
		}
		if strings.HasSuffix(e.ID, "/forgotten") {
			seen++
		}
	}
	for _, n := range cl.Nodes {
		nc := n.Client(t)
		for _, k := range keysOf(t, nc, d.prefix) {
			for _, id := range ids {
				if strings.Contains(k, "{"+id+"}") || strings.Contains(k, "th-"+id) {
					t.Errorf("key %s remains on %s", k, n.Addr)
				}
			}
		}
	}
}
