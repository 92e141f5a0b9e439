-- Adds one entry to a per-author hash of custom questions or plans, refusing an id that exists
-- and refusing to grow the hash past its cap. Checking and writing in one script keeps two
-- concurrent adds from both slipping under the cap.
--
-- KEYS[1]  the hash
-- ARGV[1]  entry id
-- ARGV[2]  entry JSON
-- ARGV[3]  maximum number of entries
--
-- Returns 1 when added, -1 when the id exists, -2 when the cap is reached.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return -1
end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return -2
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
