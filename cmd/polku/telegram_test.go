package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"polku/adapters/telegram/telegramtest"
)

// fakes are the fake Bot API servers of running scripts.
var fakes sync.Map // *testscript.TestScript → *telegramtest.Server

// cmdTelegram plays Telegram and a person in it, so a script can run
// `polku run` against it:
//
//	telegram start TOKEN         start a fake Bot API; sets TELEGRAM_API_URL
//	telegram send CHAT TEXT      the person CHAT writes TEXT
//	telegram press CHAT LABEL    the person taps LABEL on the bot's last message
//	telegram wait CHAT REGEXP    wait until a bot message in CHAT matches
//	telegram commands LANG       wait until the command menu for LANG is set
func cmdTelegram(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! telegram")
	}
	if len(args) == 2 && args[0] == "start" {
		srv := telegramtest.Start(args[1])
		fakes.Store(ts, srv)
		ts.Defer(func() { fakes.Delete(ts); srv.Close() })
		ts.Setenv("TELEGRAM_API_URL", srv.URL)
		return
	}
	v, ok := fakes.Load(ts)
	if !ok {
		ts.Fatalf("telegram: no fake Bot API: call `telegram start TOKEN` first")
	}
	srv := v.(*telegramtest.Server)
	if len(args) == 2 && args[0] == "commands" {
		wait(ts, srv, "the "+args[1]+" command menu", func(st *telegramtest.State) bool {
			return len(st.ScopedCommands(telegramtest.CommandScope{Type: "all_private_chats"}, args[1])) > 0
		})
		return
	}
	if len(args) != 3 {
		ts.Fatalf("usage: telegram start TOKEN | send CHAT TEXT | press CHAT LABEL | wait CHAT REGEXP | commands LANG")
	}
	chat, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil {
		ts.Fatalf("telegram: chat %q is not a number", args[1])
	}
	switch args[0] {
	case "send":
		srv.SendText(chat, args[2])
	case "press":
		m, ok := srv.LastMessage(chat)
		if !ok {
			ts.Fatalf("telegram press: the bot has not written in chat %d", chat)
		}
		if _, ok := m.Button(args[2]); !ok {
			ts.Fatalf("telegram press: no button %q on %q; buttons %v", args[2], m.Text, m.Labels())
		}
		srv.PressButton(chat, m.ID, args[2])
	case "wait":
		re, err := regexp.Compile(args[2])
		ts.Check(err)
		wait(ts, srv, fmt.Sprintf("a message matching %q in chat %d", args[2], chat), func(st *telegramtest.State) bool {
			for _, m := range st.Messages(chat) {
				if re.MatchString(m.Text) {
					return true
				}
			}
			return false
		})
	default:
		ts.Fatalf("telegram: unknown action %q", args[0])
	}
}

func wait(ts *testscript.TestScript, srv *telegramtest.Server, what string, cond func(*telegramtest.State) bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Wait(ctx, cond); err != nil {
		ts.Fatalf("telegram: waiting for %s: %v\n%s", what, err, srv.Dump())
	}
}
