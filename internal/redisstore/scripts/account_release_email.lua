-- Release an email claim: remove KEYS[1] only if it still maps to ARGV[1] (compare-and-delete).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
