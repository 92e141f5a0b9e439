-- Releases a room's feedback: the first time and reason stay, and each named form that has a
-- version is marked released (once).
-- KEYS[1] the room's feedback hash
-- ARGV[1] reason, ARGV[2] now (ms), ARGV[3..] form ids
local h = KEYS[1]
redis.call('HSETNX', h, 'rel', ARGV[2])
redis.call('HSETNX', h, 'reason', ARGV[1])
for i = 3, #ARGV do
  if redis.call('HEXISTS', h, 'n:' .. ARGV[i]) == 1 then
    redis.call('HSETNX', h, 'r:' .. ARGV[i], ARGV[2])
  end
end
return 1
