package reload_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	"polku/bot"
	"polku/bot/content"
	"polku/bot/content/reload"
	"polku/bot/store"
)

// person is someone talking to an engine.
type person struct {
	t    *testing.T
	e    *bot.Engine
	st   *store.Memory
	n    int
	last bot.Reply
}

func (p *person) say(text string) bot.Reply {
	p.t.Helper()
	p.n++
	r, err := p.e.Handle(context.Background(), bot.Message{Platform: "test", User: "u1", UpdateID: fmt.Sprint(p.n), Text: text})
	if err != nil {
		p.t.Fatalf("Handle(%q) = %v", text, err)
	}
	p.last = r
	return r
}

// asked checks the question on screen.
func (p *person) asked(step, text string) {
	p.t.Helper()
	q := p.last.Question
	if q == nil || q.Step != step || q.Text != text {
		p.t.Fatalf("question = %+v, want %s %q", q, step, text)
	}
}

var errRead = errors.New("read only")

// answered lists the steps the person's stored answers are for.
func (p *person) answered() string {
	p.t.Helper()
	var steps []string
	err := p.st.Update(context.Background(), "test:u1", func(s *bot.Session) error {
		for _, a := range s.Answers {
			steps = append(steps, a.Step+"="+a.Value)
		}
		return errRead
	})
	if !errors.Is(err, errRead) {
		p.t.Fatal(err)
	}
	return strings.Join(steps, " ")
}

// newFlow is an edit of the base flow: pace is gone, and helper, asked in
// new words, comes before age.
const newFlow = `flow: jobseeker
title: {fi: Työnhaku, en: Job search}
steps:
  - id: hello
    text: {fi: Hei!, en: Hello!}
    next: wants
  - id: wants
    sets: wants
    text: {fi: Mitä haluaisit?, en: What would you like?}
    options:
      - {value: work, label: {fi: Töitä, en: Work}, aliases: [työ, job]}
      - {value: study, label: {fi: Opiskella, en: Study}}
      - {value: company, label: {fi: Seuraa, en: Company}}
    next: area
  - id: area
    sets: area
    text: {fi: Missä asut?, en: Where do you live?}
    options:
      - {value: helsinki, label: {fi: Helsinki, en: Helsinki}}
      - {value: pirkanmaa, label: {fi: Pirkanmaa, en: Pirkanmaa}, aliases: [tampere]}
      - {value: lappi, label: {fi: Lappi, en: Lapland}}
    next: helper
  - id: helper
    sets: has_helper
    text: {fi: Onko sinulla jo joku tukena?, en: Is someone supporting you already?}
    options:
      - {value: true, label: {fi: Kyllä, en: Yes}}
      - {value: false, label: {fi: Ei, en: No}}
    next: age
  - id: age
    sets: age
    text: {fi: Kuinka vanha olet?, en: How old are you?}
    input: {min: 15, max: 99}
    next: end
`

// TestConversationContinues: someone is half-way through when staff save
// a new flow on disk; after the reload they go on where they were, with
// their answers kept where the new flow still asks them, and are asked
// what the new flow asks that they have not answered.
func TestConversationContinues(t *testing.T) {
	dir := baseDir(t)
	c, ds := content.Load(os.DirFS(dir))
	if c == nil {
		t.Fatalf("the base content does not load:\n%v", ds)
	}
	st := store.NewMemory(0)
	e := bot.New(c, st, bot.Options{})
	hup := make(chan os.Signal)
	res := make(chan reload.Result)
	r := reload.New(dir, reload.Options{Trigger: hup, Report: func(r reload.Result) { res <- r }})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { r.Run(ctx, e); close(done) }()
	defer func() { cancel(); <-done }()

	p := &person{t: t, e: e, st: st}
	p.say("hei")
	p.say("1") // work
	p.asked("pace", "Millä tahdilla?")
	p.say("2") // part time
	p.say("lappi")
	p.asked("age", "Kuinka vanha olet?")

	writeFile(t, dir, "flows/jobseeker.yaml", newFlow)
	hup <- syscall.SIGHUP
	if got := <-res; !got.Loaded {
		t.Fatalf("the new flow does not load:\n%v", got.Diagnostics)
	}

	// They answer the question on their screen; the new flow asks
	// something else first, in its own words.
	p.say("30")
	p.asked("helper", "Onko sinulla jo joku tukena?")
	if got, want := p.answered(), "wants=work area=lappi"; got != want {
		t.Errorf("answers after the reload = %q, want %q (pace is gone from the flow)", got, want)
	}
	p.say("kyllä")
	p.asked("age", "Kuinka vanha olet?")
	if r := p.say("30"); r.Suggestions == nil {
		t.Errorf("after the last question: %+v, want the suggestions", r)
	}
	if got, want := p.answered(), "wants=work area=lappi helper=true age=30"; got != want {
		t.Errorf("answers at the end = %q, want %q", got, want)
	}

	// A broken edit changes nothing for them.
	writeFile(t, dir, "flows/jobseeker.yaml", strings.Replace(newFlow, "next: age", "next: aeg", 1))
	hup <- syscall.SIGHUP
	if got := <-res; got.Loaded {
		t.Fatal("a flow with an unknown step loaded")
	}
	p.say("/alusta")
	p.say("1")
	p.asked("area", "Missä asut?")
}

// TestReloadWhileHandling: reloads swap the content while messages are
// being handled; run with -race. Every message is answered from one whole
// content, old or new.
func TestReloadWhileHandling(t *testing.T) {
	dir := baseDir(t)
	e := newEngine(t, dir)
	hup := make(chan os.Signal)
	res := make(chan reload.Result)
	r := reload.New(dir, reload.Options{Trigger: hup, Report: func(r reload.Result) { res <- r }})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { r.Run(ctx, e); close(done) }()
	defer func() { cancel(); <-done }()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			user := fmt.Sprint("u", i)
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				for _, text := range []string{"/alusta", "1", "2"} {
					r, err := e.Handle(context.Background(), bot.Message{Platform: "test", User: user, Text: text})
					if err != nil {
						t.Errorf("Handle(%q) = %v", text, err)
						return
					}
					if q := r.Question; q == nil || q.Text == "" {
						t.Errorf("Handle(%q) = %+v, want a question", text, r)
						return
					}
				}
			}
		})
	}
	texts := []string{"Missä asut nyt?", "Missä asut?"}
	for i := range 20 {
		edit(t, dir, "flows/jobseeker.yaml", texts[(i+1)%2], texts[i%2])
		hup <- syscall.SIGHUP
		if got := <-res; !got.Loaded {
			t.Fatalf("reload %d: %v", i, got.Diagnostics)
		}
	}
	close(stop)
	wg.Wait()
	if c := e.Content(); !strings.Contains(flowText(c), texts[1]) {
		t.Errorf("after the last reload the flow does not ask %q", texts[1])
	}
}

// flowText is every question of the start flow in Finnish.
func flowText(c *content.Content) string {
	var b strings.Builder
	for _, s := range c.Flow("jobseeker").Steps {
		b.WriteString(s.Text["fi"] + "\n")
	}
	return b.String()
}
