import Testing

@testable import JiraExtract

/// `--page-size auto`, driven by page timings fed in directly.
@Suite struct PageSizerTests {
    /// A search as the simulator's cost model prices it: an overhead plus a cost per issue.
    static func page(_ size: Int, overhead: Double = 0.2, perIssue: Double = 0.002) -> Double {
        overhead + perIssue * Double(size)
    }

    /// Feeds full pages at the sizer's size until it settles; returns the sizes it went through.
    static func run(_ sizer: PageSizer, pages: Int = 60, time: (Int) -> Double) -> [Int] {
        var sizes = [sizer.size]
        for _ in 0..<pages {
            let size = sizer.size
            if let change = sizer.record(asked: size, issues: size, seconds: time(size), serverMax: 1000) {
                #expect(change.from == size)
                sizes.append(change.to)
            }
        }
        return sizes
    }

    @Test func pagesGrowWhileTheOverheadDominates() {
        let sizer = PageSizer(initial: 50, adaptive: true, budget: 60)
        let sizes = Self.run(sizer) { Self.page($0) }
        // 50 → 100 → 200 while the time per issue falls by a tenth or more; the overhead is 0.2 s
        // against 2 ms an issue, so growing would pay until several hundred, but adaptive pages
        // stop at the ceiling (a page meeting an unknown hub costs in proportion to its size).
        #expect(sizes == [50, 100, PageSizer.adaptiveCeiling])
        #expect(sizer.size == PageSizer.adaptiveCeiling)
        let fixed = PageSizer(initial: 1000, adaptive: false, budget: 60)
        #expect(fixed.size == 1000, "a fixed --page-size may ask for JIRA's 1,000")
    }

    @Test func pagesStayWhereTheOverheadIsSmall() {
        let sizer = PageSizer(initial: 50, adaptive: true, budget: 60)
        _ = Self.run(sizer) { Self.page($0, overhead: 0.001) }
        // 1 ms of overhead against 100 ms of issues: one doubling is tried, then the size settles
        // (at 100 or back at 50, whichever cost less per issue) and grows no further.
        #expect(sizer.size <= 100)
        let settled = sizer.size
        _ = Self.run(sizer) { Self.page($0, overhead: 0.001) }
        #expect(sizer.size == settled)
    }

    @Test func theBudgetBoundsThePage() {
        // 60 ms an issue: a page of 100 takes 6 s, more than an eighth of a 30 s budget.
        let sizer = PageSizer(initial: 50, adaptive: true, budget: 30)
        _ = Self.run(sizer) { Self.page($0, overhead: 3, perIssue: 0.06) }
        #expect(Double(sizer.size) * 0.06 <= 30.0 / 8 + 0.06 * 50)
    }

    @Test func aServerCapIsNeverAskedPast() {
        let sizer = PageSizer(initial: 50, adaptive: true, budget: 60)
        #expect(sizer.record(asked: 50, issues: 20, seconds: 0.3, serverMax: 20)?.to == 20)
        _ = Self.run(sizer) { Self.page($0) }
        #expect(sizer.size == 20)
    }

    @Test func aTimeoutTheSizeExplainsHalvesItAnotherDoesNot() {
        let sizer = PageSizer(initial: 400, adaptive: true, budget: 60)
        for _ in 0..<3 { _ = sizer.record(asked: 400, issues: 400, seconds: Self.page(400), serverMax: nil) }
        let grown = sizer.size
        // A page of 800 at 2 ms an issue is 1.6 s: far from the 60 s budget, so its timeout was one
        // slow issue (the split finds it) and the size stays.
        #expect(sizer.timedOut(asked: grown) == nil)
        // At 0.1 s an issue the page is the cause: halve.
        let slow = PageSizer(initial: 400, adaptive: true, budget: 60)
        for _ in 0..<3 { _ = slow.record(asked: 400, issues: 400, seconds: 40, serverMax: nil) }
        #expect(slow.size == 400)
        #expect(slow.timedOut(asked: 400)?.to == 200)
        #expect(slow.size == 200)
    }

    @Test func aFixedSizeNeverMoves() {
        let sizer = PageSizer(initial: 50, adaptive: false, budget: 60)
        _ = Self.run(sizer) { Self.page($0) }
        #expect(sizer.timedOut(asked: 50) == nil)
        #expect(sizer.size == 50)
    }
}
