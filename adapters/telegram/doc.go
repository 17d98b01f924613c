// Package telegram lets people talk to Polku in Telegram. It turns Bot API
// updates into bot.Messages and bot.Replies into Telegram messages: each
// question a message with buttons, a pressed button answered at once and
// its question edited to show the choice, suggestions as one clear message.
//
// It receives updates by long polling or by webhook, handles the updates of
// different chats in parallel and one chat's in order, and moves on past an
// update only once it has been handled and stored, so Telegram delivers it
// again after a failure. It respects Telegram's flood limits (retry_after)
// per chat and for the whole bot, retries Telegram's own failures, and
// stops writing to — and forgets — a person who blocked the bot.
//
// The token is a secret: it never appears in logs or in errors.
package telegram
