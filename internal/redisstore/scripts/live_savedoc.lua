-- Materialises a room's document unless a newer version is already stored.
-- KEYS: 1 document hash
-- ARGV: version, text, language, offset
local cur = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
if cur >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'text', ARGV[2], 'lang', ARGV[3], 'offset', ARGV[4])
return 1
