/// How much server work (CPU seconds of one core, at time scale 1) JIRA spends on a request: a base
/// cost for every request, a search's overhead, a cost per issue rendered and a cost per issuelink
/// that follows the curve measured on a production JIRA Server (106 links 0.8 s; 816 8.2 s;
/// 2,073 23.7 s; 4,754 56.6 s; 8,249 206.1 s). The server multiplies by its time scale and, with a
/// capacity model, shares its cores among the requests in service (`ServerCapacity`).
///
/// Calibration of the search costs: pycontribs/jira issue 1393 measured a real instance reading a
/// 7,000-issue result in 45.5 s at 50 issues a page (140 requests, 0.325 s each) and in 6.1 s at 500
/// a page (14 requests, 0.436 s each). The line through both points is 0.313 s a request plus
/// 0.25 ms an issue returned (navigable fields). The 0.313 s is split here as the base cost
/// (0.05 s, any REST call), a fixed search cost (0.15 s: JQL parsing, permission filter, Lucene
/// query) and 16 µs per issue the JQL matched (0.11 s for 7,000: the hit collection and sort grow
/// with the matched set, not with the page). One measurement does not fix that split; it is the
/// assumption. The per-issue cost is 2 ms: the measured 0.25 ms was for the navigable fields, and
/// `*all` with names, schema and rendered custom fields renders about eight times as much.
public struct CostModel: Sendable {
    public var baseSeconds = 0.05
    /// A search's fixed overhead, on top of `baseSeconds`.
    public var searchSeconds = 0.15
    /// A search's overhead per issue its JQL matched (the whole result, not the page).
    public var perMatchedSeconds = 0.000016
    public var perIssueSeconds = 0.002
    /// Cost of listing keys only (`fields=key` and other id-only searches), per issue returned.
    public var perKeySeconds = 0.00003
    public var perHistorySeconds = 0.0005
    public var linkCurve: [(links: Double, seconds: Double)] = [
        (0, 0), (106, 0.8), (816, 8.2), (2073, 23.7), (4754, 56.6), (8249, 206.1),
    ]

    public init() {}

    /// Seconds JIRA spends serializing the issuelinks of one issue with `links` links.
    public func linkSeconds(_ links: Int) -> Double {
        let x = Double(links)
        guard x > 0 else { return 0 }
        for i in 1..<linkCurve.count where x <= linkCurve[i].links {
            let (x0, y0) = linkCurve[i - 1], (x1, y1) = linkCurve[i]
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        }
        let (x0, y0) = linkCurve[linkCurve.count - 2], (x1, y1) = linkCurve[linkCurve.count - 1]
        return y1 + (y1 - y0) * (x - x1) / (x1 - x0)
    }

    /// A search's overhead (without `baseSeconds`) when its JQL matched `matched` issues.
    public func searchOverhead(matched: Int) -> Double { searchSeconds + perMatchedSeconds * Double(matched) }

    /// The least any client can make JIRA spend on `issue`: rendered once with every field, its whole
    /// changelog and all its links (a hub's links once), no request overhead.
    public func floorSeconds(links: Int, histories: Int) -> Double {
        perIssueSeconds + linkSeconds(links) + perHistorySeconds * Double(histories)
    }
}
