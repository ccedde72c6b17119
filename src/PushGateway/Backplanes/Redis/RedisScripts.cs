namespace PushGateway.Backplanes.Redis;

/// <summary>Server-side steps that must happen together.</summary>
internal static class RedisScripts
{
    /// <summary>
    /// Marks when this dataset began, if nobody has: run by every node as it (re)connects, so that an
    /// id from before a Redis that lost its data is known as such even before the next publish.
    /// KEYS: epoch.
    /// </summary>
    public const string StampEpoch = """
        local now = redis.call('TIME')
        return redis.call('SET', KEYS[1], now[1] * 1000 + math.floor(now[2] / 1000), 'NX')
        """;

    /// <summary>
    /// Publish: one id from the delivery stream, the same id in every topic's history (so ids compare
    /// across topics), the dataset's epoch on first use, then the doorbell. Atomic: a message is in all
    /// of them or in none. Each topic entry also records the id of the entry before it in that topic
    /// (<c>p</c>): once trimming removed that one, a resume from an older id knows it missed something
    /// (Redis 7.0 does not record trimmed ids in <c>max-deleted-entry-id</c>).
    /// A publish with an idempotency key first looks the key up: held, it returns the first publish's id, replayed when
    /// the request's fingerprint is the same, refused (<c>reused</c>) when not, and publishes nothing; else the key is
    /// stored with the fingerprint and the new id (the fingerprint's 64 hex characters, then the id) for the window.
    /// A publish that carries its own id also remembers the stream id it got, for the deduplication window: the same
    /// publish made again returns that id (replayed) and publishes nothing.
    /// KEYS: delivery, epoch, topic streams…, then the publish's key when it carries its own id, then the idempotency
    /// key when it has one;
    /// ARGV: delivery length, topic length, doorbell, topic count, deduplication window (s), topics, event, data,
    /// publisher's event id (empty: none), retry, idempotency window (ms), request fingerprint (empty: no idempotency key).
    /// Returns the id and <c>published</c>, <c>replayed</c> or <c>reused</c>.
    /// </summary>
    public const string Publish = """
        local topics = tonumber(ARGV[4])
        local nextKey = 3 + topics
        local published, idempotent
        if ARGV[9] ~= '' then
          published = KEYS[nextKey]
          nextKey = nextKey + 1
        end
        if ARGV[12] ~= '' then
          idempotent = KEYS[nextKey]
          local first = redis.call('GET', idempotent)
          if first then
            local outcome = string.sub(first, 1, 64) == ARGV[12] and 'replayed' or 'reused'
            return {string.sub(first, 65), outcome}
          end
        end
        if published then
          local original = redis.call('GET', published)
          if original then
            if idempotent then
              redis.call('SET', idempotent, ARGV[12] .. original, 'PX', ARGV[11])
            end
            return {original, 'replayed'}
          end
        end
        local now = redis.call('TIME')
        redis.call('SET', KEYS[2], now[1] * 1000 + math.floor(now[2] / 1000), 'NX')
        local fields = {'t', ARGV[6], 'e', ARGV[7], 'd', ARGV[8], 'c', ARGV[9], 'r', ARGV[10]}
        local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
        for i = 3, 2 + topics do
          local newest = redis.call('XREVRANGE', KEYS[i], '+', '-', 'COUNT', 1)
          local previous = newest[1] and newest[1][1] or '0-0'
          redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[2], id, 'p', previous, unpack(fields))
        end
        if published then
          redis.call('SET', published, id, 'EX', ARGV[5])
        end
        if idempotent then
          redis.call('SET', idempotent, ARGV[12] .. id, 'PX', ARGV[11])
        end
        redis.call('PUBLISH', ARGV[3], id)
        return {id, 'published'}
        """;

    /// <summary>
    /// Every command the other scripts, the delivery tail, history and presence run, each tried with <c>redis.pcall</c>
    /// on this node's probe keys (deleted at the end), so that one call names every command Redis refuses: not
    /// permitted to this user (ACL), unknown (renamed away by rename-command, or a Redis without streams).
    /// KEYS: a string, a stream and a hash of the probe's; ARGV: the doorbell channel, the pattern presence scans.
    /// Returns <c>COMMAND: error</c> for each refused command; empty when Redis runs them all.
    /// </summary>
    public const string Probe = """
        local refused = {}
        local function try(command, ...)
          local reply = redis.pcall(command, ...)
          if type(reply) == 'table' and reply.err then
            refused[#refused + 1] = command .. ': ' .. reply.err
          end
        end
        try('TIME')
        try('SET', KEYS[1], '1', 'NX', 'PX', 10000)
        try('GET', KEYS[1])
        try('XADD', KEYS[2], 'MAXLEN', '~', 1, '*', 'p', '0-0')
        try('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
        try('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
        try('XREAD', 'COUNT', 1, 'STREAMS', KEYS[2], '0-0')
        try('HSET', KEYS[3], 'p', 1)
        try('HGET', KEYS[3], 'p')
        try('EXPIRE', KEYS[3], 10)
        try('SCAN', 0, 'MATCH', ARGV[2], 'COUNT', 1)
        try('PUBLISH', ARGV[1], '0-0')
        try('DEL', KEYS[1], KEYS[2], KEYS[3])
        return refused
        """;
}
