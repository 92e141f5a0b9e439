-- Materialises a room's document unless a newer version is already stored.
-- KEYS: 1..7 the room's stored live keys (see live_lib.lua)
-- ARGV: version, text, language, offset, waiting_ttl_ms, base (the version of the document's last reset),
--       now unix ms
local doc = KEYS[6]
local cur = tonumber(redis.call('HGET', doc, 'version') or '-1')
if cur >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', doc, 'version', ARGV[1], 'text', ARGV[2], 'lang', ARGV[3], 'offset', ARGV[4], 'base', ARGV[6])
live_retain(tonumber(ARGV[5]), tonumber(ARGV[7]), nil, {6})
return 1
