-- Replaces a timer index entry by its successor (if any) in one shard of the due-set.
-- KEYS: 1 due-set shard
-- ARGV: old member, next member ("" for none), next due ms
if ARGV[2] ~= '' then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
end
if ARGV[2] ~= ARGV[1] then
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 1
