// Package bot is Polku's conversation engine: one normalised Message in,
// one platform-neutral Reply out.
//
// The engine knows flows, rules and sessions and nothing about platforms;
// adapters (console, Telegram, Discord) turn platform events into Messages
// and render Replies natively. Sessions are kept by a Store, declared here
// and implemented in bot/store; the engine never imports a platform or a
// database library.
package bot
