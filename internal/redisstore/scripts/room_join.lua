-- Adds one participant, enforcing the seats in one step (see room.Store.Join). The record's revision (rev) moves.
-- KEYS[1] meta hash, KEYS[2] participants hash, KEYS[3] invites-used set, KEYS[4] reveals set
-- ARGV[1] user id, ARGV[2] role, ARGV[3] participant JSON, ARGV[4] invite id,
-- ARGV[5] '1' if the invite is single-use, ARGV[6] max observers, ARGV[7] waiting ttl ms
-- Returns {'ok', participant JSON} or {'err', code}.
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  return {'err', 'room_not_found'}
end
if state == 'wrap_up' or state == 'closed' then
  return {'err', 'room_closed'}
end
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then
  if cjson.decode(existing)['role'] == ARGV[2] then
    return {'ok', existing}
  end
  return {'err', 'already_participant'}
end
if ARGV[5] == '1' and redis.call('SISMEMBER', KEYS[3], ARGV[4]) == 1 then
  return {'err', 'invite_used'}
end
if ARGV[2] == 'candidate' then
  if redis.call('HEXISTS', KEYS[1], 'candidate') == 1 then
    return {'err', 'candidate_taken'}
  end
  redis.call('HSET', KEYS[1], 'candidate', ARGV[1])
elseif ARGV[2] == 'observer' then
  local observers = tonumber(redis.call('HGET', KEYS[1], 'observers') or '0')
  if not observers then
    -- An account erasure of an earlier release replaced raw values equal to the person's
    -- name, this count too when the name was its number: count the observers again.
    observers = 0
    for _, p in ipairs(redis.call('HVALS', KEYS[2])) do
      if cjson.decode(p)['role'] == 'observer' then
        observers = observers + 1
      end
    end
  end
  if observers >= tonumber(ARGV[6]) then
    return {'err', 'observers_full'}
  end
  redis.call('HSET', KEYS[1], 'observers', observers + 1)
end
if ARGV[5] == '1' then
  redis.call('SADD', KEYS[3], ARGV[4])
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
local ttl = tonumber(ARGV[7])
if state == 'waiting' and ttl > 0 then
  for i = 1, #KEYS do
    if redis.call('EXISTS', KEYS[i]) == 1 then
      redis.call('PEXPIRE', KEYS[i], ttl)
    end
  end
end
return {'ok', ARGV[3]}
