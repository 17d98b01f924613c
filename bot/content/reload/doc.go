// Package reload swaps in a content directory's new content while Polku
// runs: on a signal (SIGHUP) and, when watching, whenever its files change.
//
// An edit with errors never replaces the working content: it is reported
// with every diagnostic (file:line:col) and the engine goes on with what it
// had. An edit that loads is handed to the engine's SetContent, and
// conversations under way continue in it, their answers replayed.
//
// Watching polls the files with a ticker rather than using inotify and its
// kin: a content directory holds a few dozen small files, polling behaves
// the same on every system, network share and container volume, and it
// needs nothing outside the standard library.
//
// Use it as
//
//	r := reload.New(dir, reload.Options{Watch: true, Trigger: hup, Report: report})
//	c, ds := content.Load(os.DirFS(dir)) // after New: an edit saved meanwhile is not missed
//	engine := bot.New(c, st, bot.Options{})
//	wg.Go(func() { r.Run(ctx, engine) })
package reload
