package chatqueue

import (
	"sync"
	"testing"
)

// TestOrder: one chat stuck holds up no one else, and each chat's work
// runs in the order it was queued.
func TestChatsOrder(t *testing.T) {
	c := New[int64]()
	var mu sync.Mutex
	got := map[int64][]int{}
	block := make(chan struct{})
	started := make(chan struct{})
	c.Do(99, func() { close(started); <-block }) // chat 99 is stuck ...
	<-started
	var dones []<-chan struct{}
	for i := range 100 {
		chat := int64(i % 4)
		dones = append(dones, c.Do(chat, func() {
			mu.Lock()
			got[chat] = append(got[chat], i)
			mu.Unlock()
		}))
	}
	for _, d := range dones {
		<-d // ... and the others finish all the same
	}
	close(block)
	c.Wait()
	for chat, order := range got {
		for j := 1; j < len(order); j++ {
			if order[j] < order[j-1] {
				t.Errorf("chat %d ran %v: out of order", chat, order)
			}
		}
		if len(order) != 25 {
			t.Errorf("chat %d ran %d jobs, want 25", chat, len(order))
		}
	}
}
