// Package handoff is the desk where people's requests to talk to a
// volunteer are filed, and the relay between them, kept in Redis so that
// the person's side (the engine, behind Telegram or Discord DMs) and the
// volunteers' side (the Discord server) may run in different processes
// and replicas.
//
// The engine uses a *Desk as bot.Desk (Open, Relay, Close); the Discord
// adapter uses its volunteers' side (ConsumeDesk, Claim, Say, End,
// AttachThread, CaseByThread, Get); each person's adapter runs
// ConsumePeople for its platform and hands the events to the engine; one
// or more processes run WatchUnclaimed.
//
// # Keys
//
// With the default prefix "polku:":
//
//	polku:handoff:case:{<case>}      hash: the case (state, lang, summary, times,
//	                                 volunteer, thread, and the person's platform
//	                                 and user id, which only the relay reads), its
//	                                 outbox (o:<event> → stream entry), the text of
//	                                 messages not yet delivered (t:<event>) and the
//	                                 consumers' done-markers (d:<event>)
//	polku:handoff:thread:<thread>    string: the case attached to a volunteers' thread
//	polku:handoff:waiting            sorted set: waiting case ids by filing time
//	polku:handoff:desk               stream: events for the volunteers
//	polku:handoff:people:<platform>  stream: events for the people on platform
//
// Streams carry case ids, event ids, kinds and close reasons: never text,
// summaries or user ids, which are read from the case hash when an event
// is delivered. (XDEL only marks a stream entry deleted; its bytes stay in
// memory and in snapshots until its whole block goes, while a hash field
// or key is gone when deleted.) A message's text is deleted from the case
// once delivered. Every key expires Retention after it last changed
// (the case hash at every change of the case, a stream at every event);
// stream entries older than Retention are trimmed (XADD MINID ~, so
// roughly: whole blocks of entries go at once). Forgetting a case deletes
// its hash, its thread key, its index entry and every stream entry of it
// at once; only the closed event that tells the volunteers stays, holding
// the case id alone, until a consumer has handled it. Redis's own files
// are another matter: an append-only file keeps the commands that wrote
// the case until Redis rewrites it, and an RDB snapshot what was there
// when it was taken.
//
// Each Lua script touches only the case hash; everything of one case is in
// the slot of its hash tag {<case>}. Steps across keys (the case, then a
// stream) are separate commands: a script first reserves the event in the
// case's outbox, the event is added to the stream, and the entry id is
// then recorded in the outbox. A call that failed half way may simply be
// made again: it finds the reservation and adds the event again. So this
// is correct on a single node or Sentinel, and on Cluster.
//
// # Delivery
//
// Each stream has one consumer group; every event goes to one consumer.
// A consumer first gets again the entries it had not acknowledged (after a
// restart with the same name), takes over entries that another consumer
// left unacknowledged for IdleClaim (it died), and then reads new ones. It
// calls fn, and only when fn returns nil it sets the event's done-marker
// and then acknowledges the entry. An entry whose event has a done-marker
// is acknowledged without calling fn. The marker is keyed by the event, not
// the entry, so an event added twice by a retried call is delivered once
// (unless two consumers take its two copies at the same moment).
//
// So an event is delivered exactly once when a consumer is killed before
// fn, during fn before its effect, or after the marker is stored; when
// Redis is unreachable or restarts at any point, provided it keeps what it
// acknowledged (appendonly yes with appendfsync always; everysec may lose
// the last second when the machine fails); and when an event was added
// twice. What remains: a consumer killed after fn's effect (a message
// sent) but before the marker is stored delivers it again after the
// restart, as does a consumer that hangs in fn for longer than IdleClaim
// and then finishes (another consumer has taken it over meanwhile). That
// window is one fn return plus one round trip to Redis; fn should make
// its effect with the event's ID where the platform allows it, and finish
// well within IdleClaim. Events of a forgotten case get no done-marker
// (nothing new is stored about the case), so the closed event telling the
// volunteers to forget it may come twice; handling it must be idempotent.
//
// Logs carry case ids, stream entry ids and events; never relayed text,
// summaries or user ids. Errors returned by fn are logged with the text of
// the event they failed on removed.
package handoff
