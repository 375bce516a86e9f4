package interaction

import (
	"testing"
	"time"
)

// Get finds a live interaction by ID (a modal submit's opener) and not an
// expired one; ForTest().Age expires a token as time passing would.
func TestGetAndAge(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	r := New(Config{Now: c.now})
	a, err := r.Create(&Interaction{ID: 1, AppID: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r.Get(1) != a || r.Get(2) != nil {
		t.Fatal("Get")
	}
	c.add(DefaultTTL)
	if r.Get(1) != nil {
		t.Fatal("Get returned an expired interaction")
	}
	b, _ := r.Create(&Interaction{ID: 3, AppID: 10})
	r.ForTest().Age(b.Token, DefaultTTL)
	if r.Get(3) != nil || r.Owns(10, b.Token) {
		t.Fatal("an aged interaction is still live")
	}
}

func TestLoading(t *testing.T) {
	it := &Interaction{}
	if it.Loading() {
		t.Fatal("a new interaction is loading")
	}
	it.SetLoading(true)
	if !it.Loading() {
		t.Fatal("not loading after SetLoading(true)")
	}
	it.SetLoading(false)
	if it.Loading() {
		t.Fatal("loading after SetLoading(false)")
	}
}
