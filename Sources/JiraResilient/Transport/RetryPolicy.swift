import Foundation

/// Decides, without I/O, whether a failed attempt is retried and after how long.
///
/// - 429: `Retry-After` (seconds or HTTP-date) capped at `maxWait`. With a `Retry-After` of 0 or
///   none, the first two retries wait the time the server's `X-RateLimit-*` headers give for
///   one and then two tokens (interval ÷ fill rate); without those headers, or when that was
///   not enough (something else drains the bucket), the default 60·2ⁿ s. The HTML body is
///   never parsed.
/// - 500/502/503/504: `Retry-After` if positive, else 30·2ⁿ s.
/// - Connection failures and bodies cut short: 10·(n+1) s.
/// - Timeouts: not retried (the same request would time out again; the ladder asks for less).
/// - Other statuses: not retried.
/// n is the 0-based index of the failed attempt. The client's own waits (backoffs, and waits
/// computed from a rate limit's refill rate) are multiplied by `backoffScale`; a server's
/// `Retry-After` is not.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var backoffScale: Double
    public var maxWait: Double

    public init(maxAttempts: Int, backoffScale: Double = 1, maxWait: Double = 960) {
        self.maxAttempts = maxAttempts
        self.backoffScale = backoffScale
        self.maxWait = maxWait
    }

    public enum Failure: Sendable, Equatable {
        case status(Int, retryAfter: String?)
        case connection
        case truncated
        case timeout
    }

    public enum Decision: Sendable, Equatable {
        case retry(wait: Double, source: WaitSource)
        case giveUp
    }

    public static let retryableStatuses: Set<Int> = [429, 500, 502, 503, 504]

    /// `attempt` is the 0-based index of the attempt that just failed; `rateLimit` is what a 429
    /// said of the bucket, if anything.
    public func decide(
        _ failure: Failure, attempt: Int, rateLimit: RateLimitHeaders? = nil, now: Date = Date()
    ) -> Decision {
        guard attempt + 1 < maxAttempts else { return .giveUp }
        let n = Double(attempt)
        switch failure {
        case .timeout:
            return .giveUp
        case .connection, .truncated:
            return .retry(wait: min(10 * (n + 1) * backoffScale, maxWait), source: .backoff)
        case .status(let code, let header):
            guard Self.retryableStatuses.contains(code) else { return .giveUp }
            if let seconds = header.flatMap({ Self.retryAfterSeconds($0, now: now) }), seconds > 0 {
                return .retry(wait: min(seconds, maxWait), source: .retryAfter)
            }
            if code == 429, attempt < 2, let perToken = rateLimit?.secondsPerToken {
                return .retry(wait: min(perToken * Double(attempt + 1) * backoffScale, maxWait), source: .rateLimit)
            }
            let base = code == 429 ? 60.0 : 30.0
            return .retry(wait: min(base * pow(2, n) * backoffScale, maxWait), source: .backoff)
        }
    }

    /// Seconds from now named by a `Retry-After` value (delta-seconds or an HTTP-date); nil if unreadable.
    public static func retryAfterSeconds(_ value: String, now: Date = Date()) -> Double? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty, trimmed.allSatisfy(\.isASCII), trimmed.allSatisfy(\.isNumber) {
            return Double(trimmed)
        }
        for formatter in httpDateFormatters {
            if let date = formatter.date(from: trimmed) { return max(0, date.timeIntervalSince(now)) }
        }
        return nil
    }

    /// RFC 9110's three HTTP-date forms (IMF-fixdate, RFC 850, asctime), built once.
    private static let httpDateFormatters: [DateFormatter] = [
        "EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy",
    ].map { format in
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = format
        return formatter
    }
}
