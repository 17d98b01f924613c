package handoff

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// Every script touches one key only, the case hash (KEYS[1]), so each runs
// in one Cluster slot. Steps that touch other keys (a stream, the waiting
// index, a thread key) are separate commands, made safe to repeat by the
// outbox fields the scripts keep in the case hash:
//
//	o:<ev>  "-<ms>"          event ev is being sent (since ms); a retry sends it again
//	o:<ev>  "d|<entry>"      event ev was added to the desk stream as entry
//	o:<ev>  "p|<entry>"      event ev was added to the person's platform stream
//	t:<ev>  text             what message event ev says, until it is delivered
//	d:<ev>  "1"              a consumer has handled event ev (its done-marker)
//
// Relayed text is kept in the case hash, not in a stream: XDEL only marks a
// stream entry deleted, and its bytes stay in memory and in snapshots
// until every entry near it is gone, while a deleted hash field or key is
// gone at once.
//
// Times are Unix milliseconds; ARGV[1] is always now and ARGV[2] the
// retention in milliseconds, renewed on the case at every change.
const prelude = `
local K = KEYS[1]
local now = ARGV[1]
local ttl = ARGV[2]
-- reserve says whether the caller must send event ev: 'emit' (it is
-- reserved now, or was reserved by a caller that may have failed), 'sent'
-- (it is in a stream already) or 'busy' (another caller reserved it less
-- than lease ms ago; lease 0 means callers are retries, never concurrent).
local function reserve(ev, lease)
  local v = redis.call('HGET', K, 'o:' .. ev)
  if v then
    if string.sub(v, 1, 1) ~= '-' then return 'sent' end
    if lease > 0 and tonumber(now) - tonumber(string.sub(v, 2)) < lease then return 'busy' end
  end
  redis.call('HSET', K, 'o:' .. ev, '-' .. now)
  return 'emit'
end
local function field(f) return redis.call('HGET', K, f) or '' end
`

func script(body string) *redis.Script { return redis.NewScript(prelude + body) }

// openScript files a case unless its id exists.
//
//	ARGV[3..7] platform, user, lang, summary (JSON), opened
//
// Returns {'emit'} when the opened event must be sent, {'exists', state}
// when the case exists and its event was sent.
var openScript = script(`
local st = redis.call('HGET', K, 'state')
if st then
  if st ~= 'closed' and reserve('opened', 0) == 'emit' then
    redis.call('PEXPIRE', K, ttl)
    return {'emit'}
  end
  return {'exists', st}
end
redis.call('HSET', K, 'state', 'waiting', 'platform', ARGV[3], 'user', ARGV[4], 'lang', ARGV[5],
  'summary', ARGV[6], 'opened', ARGV[7], 'o:opened', '-' .. now)
redis.call('PEXPIRE', K, ttl)
return {'emit'}
`)

// relayScript reserves the person's message ARGV[3] (its event id) with
// text ARGV[4]. Returns {'nocase'}, {'sent'} or {'emit', thread}.
var relayScript = script(`
local st = redis.call('HGET', K, 'state')
if not st or st == 'closed' then return {'nocase'} end
local r = reserve(ARGV[3], 0)
if r ~= 'emit' then return {r} end
redis.call('HSET', K, 't:' .. ARGV[3], ARGV[4])
redis.call('PEXPIRE', K, ttl)
return {'emit', field('thread')}
`)

// closeScript closes the case from the person's side with reason ARGV[3].
// Returns {'none'} (nothing to send: unknown case, or closed by the
// volunteer), {'sent'} or {'emit', reason}.
var closeScript = script(`
local st = redis.call('HGET', K, 'state')
if not st then return {'none'} end
if st == 'closed' then
  if not redis.call('HGET', K, 'o:closed') then return {'none'} end
else
  redis.call('HSET', K, 'state', 'closed', 'reason', ARGV[3], 'closed', now)
end
local r = reserve('closed', 0)
redis.call('PEXPIRE', K, ttl)
return {r, field('reason')}
`)

// forgetScript starts forgetting a case: it is marked closed and forgotten
// (so that events being sent right now are deleted by whoever sends them)
// and the script returns what else must go:
// {'none'} or {r, platform, thread, {entry refs…}} where r says whether the
// forgotten event must be sent.
var forgetScript = script(`
local st = redis.call('HGET', K, 'state')
if not st then return {'none'} end
if st ~= 'closed' then redis.call('HSET', K, 'closed', now) end
redis.call('HSET', K, 'state', 'closed', 'reason', 'forgotten')
local r = reserve('forgotten', 0)
local all = redis.call('HGETALL', K)
local refs = {}
for i = 1, #all, 2 do
  local f, v = all[i], all[i + 1]
  if string.sub(f, 1, 2) == 'o:' and f ~= 'o:forgotten' and string.sub(v, 1, 1) ~= '-' then
    refs[#refs + 1] = v
  end
end
redis.call('PEXPIRE', K, ttl)
return {r, field('platform'), field('thread'), refs}
`)

// recordScript notes that event ARGV[3] is stream entry ARGV[4]. Returns
// {'ok'}, or {'gone'} when the case was forgotten meanwhile: the caller deletes the
// entry.
var recordScript = script(`
if not redis.call('HGET', K, 'state') then return {'gone'} end
if ARGV[3] ~= 'forgotten' and redis.call('HGET', K, 'reason') == 'forgotten' then return {'gone'} end
redis.call('HSET', K, 'o:' .. ARGV[3], ARGV[4])
redis.call('PEXPIRE', K, ttl)
return {'ok'}
`)

// claimScript gives the case to volunteer ARGV[3] unless another has it.
// Returns {'closed'}, {'taken', volunteer} or {'emit'|'sent', platform}.
var claimScript = script(`
local st = redis.call('HGET', K, 'state')
if not st or st == 'closed' then return {'closed'} end
if st == 'claimed' then
  local v = field('volunteer')
  if v ~= ARGV[3] then return {'taken', v} end
else
  redis.call('HSET', K, 'state', 'claimed', 'volunteer', ARGV[3], 'claimed', now)
end
local r = reserve('claimed', 0)
redis.call('PEXPIRE', K, ttl)
return {r, field('platform')}
`)

// sayScript reserves volunteer ARGV[3]'s message ARGV[4] (its event id)
// with text ARGV[5]. Returns {'closed'}, {'waiting'}, {'taken', volunteer} or
// {'emit'|'sent', platform, thread}.
var sayScript = script(`
local st = redis.call('HGET', K, 'state')
if not st or st == 'closed' then return {'closed'} end
if st == 'waiting' then return {'waiting'} end
local v = field('volunteer')
if v ~= ARGV[3] then return {'taken', v} end
local r = reserve(ARGV[4], 0)
if r == 'emit' then redis.call('HSET', K, 't:' .. ARGV[4], ARGV[5]) end
redis.call('PEXPIRE', K, ttl)
return {r, field('platform'), field('thread')}
`)

// endScript closes the case from volunteer ARGV[3]'s side. Returns
// {'closed'}, {'waiting'}, {'taken', volunteer} or {'emit'|'sent', platform}.
var endScript = script(`
local st = redis.call('HGET', K, 'state')
if not st then return {'closed'} end
if st == 'waiting' then return {'waiting'} end
local v = field('volunteer')
if st == 'closed' then
  -- a retry of this volunteer's End is fine; anything else closed it
  if v ~= ARGV[3] or not redis.call('HGET', K, 'o:ended') then return {'closed'} end
elseif v ~= ARGV[3] then
  return {'taken', v}
else
  redis.call('HSET', K, 'state', 'closed', 'reason', 'volunteer', 'closed', now)
end
local r = reserve('ended', 0)
redis.call('PEXPIRE', K, ttl)
return {r, field('platform')}
`)

// nobodyScript reserves the nobody event of a case still waiting; ARGV[3]
// is the lease in ms, so two watchers never both send it. Returns
// {'gone'} (not waiting, or sent), {'busy'} or {'emit', platform}.
var nobodyScript = script(`
local st = redis.call('HGET', K, 'state')
if st ~= 'waiting' then return {'gone'} end
local r = reserve('nobody', tonumber(ARGV[3]))
if r == 'sent' then return {'gone'} end
if r == 'busy' then return {'busy'} end
redis.call('HSET', K, 'nobody', now)
redis.call('PEXPIRE', K, ttl)
return {'emit', field('platform')}
`)

// attachScript notes thread ARGV[3] on the case. Returns {'closed'} for an
// unknown or forgotten case, else {'ok', previous thread}.
var attachScript = script(`
if not redis.call('HGET', K, 'state') or redis.call('HGET', K, 'reason') == 'forgotten' then
  return {'closed'}
end
local old = field('thread')
redis.call('HSET', K, 'thread', ARGV[3])
redis.call('PEXPIRE', K, ttl)
return {'ok', old}
`)

// markScript sets the done-marker of event ARGV[3], if the case is still
// stored (a forgotten case gets no new key), and deletes its text: it has
// reached its reader. Returns {'ok'} or {'gone'}.
var markScript = script(`
if redis.call('EXISTS', K) == 0 then return {'gone'} end
redis.call('HSET', K, 'd:' .. ARGV[3], '1')
redis.call('HDEL', K, 't:' .. ARGV[3])
redis.call('PEXPIRE', K, ttl)
return {'ok'}
`)

var scripts = []*redis.Script{openScript, relayScript, closeScript, forgetScript, recordScript,
	claimScript, sayScript, endScript, nobodyScript, attachScript, markScript}

// loadScripts loads every script on every master, so that the first use
// does not pay for it. Script.Run falls back to EVAL when a restarted
// Redis has forgotten them.
func loadScripts(ctx context.Context, c redis.UniversalClient) error {
	load := func(ctx context.Context, c redis.Scripter) error {
		for _, s := range scripts {
			if err := s.Load(ctx, c).Err(); err != nil {
				return err
			}
		}
		return nil
	}
	if cc, ok := c.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error { return load(ctx, m) })
	}
	return load(ctx, c)
}
