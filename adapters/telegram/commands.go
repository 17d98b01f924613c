package telegram

import (
	"context"
	"slices"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// keepCommands registers the command menu (setMyCommands) in each content
// language, and again whenever the content changes. A failure is logged
// and tried again later: a missing menu is no reason not to serve people.
func (a *Adapter) keepCommands(ctx context.Context) {
	wait := a.commandRetry
	for {
		if err := a.setCommands(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			a.log.Warn("setMyCommands failed; trying again later", "in_s", wait.Seconds(), "err", err)
		} else {
			wait = a.commandRetry
		}
		if !sleep(ctx, wait) {
			return
		}
		if wait < 30*time.Minute {
			wait *= 2
		}
	}
}

// setCommands registers the menu for each language the content has and
// Telegram knows (two-letter codes: fi, sv, en), and the default language's
// for everyone else. It changes nothing when the menu is already set.
func (a *Adapter) setCommands(ctx context.Context) error {
	c := a.h.Content()
	menus := map[string][]tgbotapi.BotCommand{}
	for _, l := range c.Languages {
		if strings.Contains(l.Code, "-") {
			continue // fi-selko and the like: Telegram has no such language code
		}
		var cmds []tgbotapi.BotCommand
		for _, cmd := range c.Commands {
			if cmd.Name == "start" {
				continue // Telegram offers /start by itself
			}
			for _, w := range cmd.Words[l.Code] {
				if strings.HasPrefix(w, "/") {
					cmds = append(cmds, tgbotapi.BotCommand{Command: strings.TrimPrefix(w, "/"), Description: clipRunes(cmd.Description.In(l.Code), 256)})
					break
				}
			}
		}
		menus[l.Code] = cmds
	}
	menus[""] = menus[c.Languages[0].Code]
	for lang, cmds := range menus {
		key := []string{}
		for _, cmd := range cmds {
			key = append(key, cmd.Command+"="+cmd.Description)
		}
		a.mu.Lock()
		same := slices.Equal(a.commands[lang], key)
		a.mu.Unlock()
		if same {
			continue
		}
		cfg := tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeAllPrivateChats(), lang, cmds...)
		if _, err := a.api.request(ctx, 0, cfg); err != nil {
			return err
		}
		a.mu.Lock()
		if a.commands == nil {
			a.commands = map[string][]string{}
		}
		a.commands[lang] = key
		a.mu.Unlock()
	}
	return nil
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
