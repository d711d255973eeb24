package oauth

import (
	"testing"
	"time"
)

// The table of taken states refuses a state twice until it expires,
// forgets expired ones when full, and refuses new ones while full of
// live ones.
func TestUsed(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	u := newUsed(2)
	if fresh, full := u.take("a", now.Add(time.Minute), now); !fresh || full {
		t.Fatalf("first take: %v %v", fresh, full)
	}
	if fresh, _ := u.take("a", now.Add(time.Minute), now); fresh {
		t.Error("a state was taken twice")
	}
	u.take("b", now.Add(time.Minute), now)
	if fresh, full := u.take("c", now.Add(time.Minute), now); fresh || !full {
		t.Errorf("a full table took c: %v %v", fresh, full)
	}
	later := now.Add(2 * time.Minute)
	if fresh, full := u.take("c", later.Add(time.Minute), later); !fresh || full {
		t.Errorf("after the others expired: %v %v", fresh, full)
	}
	if len(u.until) != 1 {
		t.Errorf("expired states kept: %v", u.until)
	}
}
