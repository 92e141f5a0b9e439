-- Turn a guest into a full account, keeping its id.
-- KEYS[1] user hash; ARGV[1] email; ARGV[2] password hash; ARGV[3] new name ("" keeps the name).
-- Returns "ok", "missing" or "claimed" (the user is not a guest).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 'missing'
end
if redis.call('HGET', KEYS[1], 'guest') ~= '1' then
  return 'claimed'
end
redis.call('HSET', KEYS[1], 'email', ARGV[1], 'password', ARGV[2], 'guest', '0')
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'name', ARGV[3])
end
return 'ok'
