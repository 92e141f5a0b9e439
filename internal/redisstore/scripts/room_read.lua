-- Reads a room's whole record at once, so its parts always belong to one revision: the meta hash
-- (revision, state, times and the record's JSON), the participants, the participants who revealed
-- who they are, and those who shared their notes.
-- KEYS: 1 meta hash, 2 participants hash, 3 reveals set, 4 notes-shared set
-- Returns {meta fields and values, participant ids and records, revealed ids, notes-shared ids}
return {
  redis.call('HGETALL', KEYS[1]),
  redis.call('HGETALL', KEYS[2]),
  redis.call('SMEMBERS', KEYS[3]),
  redis.call('SMEMBERS', KEYS[4]),
}
