/// Data Center's rate limiting: a token bucket per user, answered with 429 and `X-RateLimit-*`.
public struct RateLimit: Sendable {
    /// Bucket size (requests).
    public var capacity: Int
    /// Tokens added every `intervalSeconds` (simulated seconds, scaled by the time scale).
    public var fillRate: Int
    public var intervalSeconds: Double
    /// Data Center 9.12 sends `Retry-After: 0` when a token is due within the second.
    public var sendZeroRetryAfter: Bool

    public init(capacity: Int, fillRate: Int, intervalSeconds: Double, sendZeroRetryAfter: Bool = true) {
        self.capacity = capacity
        self.fillRate = fillRate
        self.intervalSeconds = intervalSeconds
        self.sendZeroRetryAfter = sendZeroRetryAfter
    }
}

/// The bucket's state; `now` values are seconds on a monotonic clock (real, unscaled).
struct TokenBucket: Sendable {
    let limit: RateLimit
    let timeScale: Double
    var tokens: Double
    var last: Double

    init(limit: RateLimit, timeScale: Double, now: Double) {
        self.limit = limit
        self.timeScale = max(timeScale, 1e-6)
        tokens = Double(limit.capacity)
        last = now
    }

    /// Takes a token; when none is left returns the simulated seconds until the next one.
    mutating func take(now: Double) -> (allowed: Bool, remaining: Int, retryAfter: Int) {
        let interval = limit.intervalSeconds * timeScale
        tokens = min(Double(limit.capacity), tokens + (now - last) / interval * Double(limit.fillRate))
        last = now
        if tokens >= 1 {
            tokens -= 1
            return (true, Int(tokens), 0)
        }
        let wait = (1 - tokens) / Double(limit.fillRate) * limit.intervalSeconds
        let seconds = limit.sendZeroRetryAfter && wait < 1 ? 0 : Int(wait.rounded(.up))
        return (false, 0, seconds)
    }
}
