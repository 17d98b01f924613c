package content

import (
	"io/fs"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"polku"
)

// TestAdvanceAgreesWithReplay: walking on answer by answer must end where
// replaying all the answers from the start ends, with the same profile —
// the engine relies on it to skip the replay on every answer.
func TestAdvanceAgreesWithReplay(t *testing.T) {
	for name, fsys := range map[string]fs.FS{"base": baseFS(t), "built-in": polku.Content()} {
		t.Run(name, func(t *testing.T) {
			c := mustLoad(t, fsys)
			rng := rand.New(rand.NewPCG(7, 7))
			for _, f := range c.Flows {
				for trial := range 300 {
					w := c.Replay(f, nil)
					for !w.Done() {
						a := randomAnswer(w.Step, rng)
						if !w.Advance(a) {
							t.Fatalf("trial %d: Advance(%+v) refused a valid answer", trial, a)
						}
						r := c.Replay(f, w.Answers)
						if r.Step != w.Step || !slices.Equal(r.Answers, w.Answers) || !slices.Equal(r.Steps, w.Steps) {
							t.Fatalf("trial %d: after %+v Advance is at %v, Replay at %v", trial, w.Answers, stepID(w.Step), stepID(r.Step))
						}
						for _, fld := range c.Fields {
							if !slices.Equal(r.Profile.Values(fld), w.Profile.Values(fld)) || r.Profile.Declined(fld) != w.Profile.Declined(fld) {
								t.Fatalf("trial %d: %s differs: Advance %v, Replay %v", trial, fld.Name, w.Profile.Values(fld), r.Profile.Values(fld))
							}
						}
						if len(r.Passed) != len(w.Passed) {
							t.Fatalf("trial %d: passed messages differ: %d vs %d", trial, len(w.Passed), len(r.Passed))
						}
					}
					if w.Advance(Answer{Step: "anything"}) {
						t.Fatalf("Advance after the end succeeded")
					}
				}
			}
		})
	}
}

func TestAdvanceRefusesWrongAnswers(t *testing.T) {
	c := mustLoad(t, baseFS(t))
	w := c.Replay(c.Start, nil) // at wants
	for _, a := range []Answer{{Step: "pace", Value: "part_time"}, {Step: "wants", Value: "fishing"}, {Step: "wants"}, {Step: "wants", Value: "work,work"}} {
		if w.Advance(a) {
			t.Errorf("Advance(%+v) at wants succeeded", a)
		}
		if w.Step.ID != "wants" || len(w.Answers) != 0 {
			t.Fatalf("a refused answer changed the walk")
		}
	}
}

func mustLoad(tb testing.TB, fsys fs.FS) *Content {
	tb.Helper()
	c, ds := Load(fsys)
	if c == nil {
		tb.Fatalf("content does not load:\n%v", ds)
	}
	return c
}

func stepID(s *Step) string {
	if s == nil {
		return "the end"
	}
	return s.ID
}

func randomAnswer(s *Step, rng *rand.Rand) Answer {
	a := Answer{Step: s.ID}
	switch {
	case s.Required == "" && rng.IntN(4) == 0:
		a.Skip = true
	case s.Input != nil && s.Field.Type == Int:
		lo, hi := 0, 120
		if s.Input.Min != nil {
			lo = *s.Input.Min
		}
		if s.Input.Max != nil {
			hi = *s.Input.Max
		}
		a.Value = strconv.Itoa(lo + rng.IntN(hi-lo+1))
	case s.Input != nil:
		a.Value = "some text"
	case s.Multi():
		var vals []string
		for _, o := range s.Options {
			if rng.IntN(2) == 0 {
				vals = append(vals, o.Value)
			}
		}
		if len(vals) == 0 {
			vals = append(vals, s.Options[0].Value)
		}
		a.Value = strings.Join(vals, ListSep)
	default:
		a.Value = s.Options[rng.IntN(len(s.Options))].Value
	}
	return a
}
